// A forced full collection leaves work behind on V8's background threads (concurrent sweeping,
// compile jobs). On a machine with few cores that work competes with a timed run that starts right
// after it, and the run pays for the harness's collection: a read of microseconds then stalls for
// milliseconds while the main thread waits for a core. `settle` waits for that work to end.

const STEP_MS = 5;
/** The process counts as quiet when its threads together used less than this share of a step. */
const QUIET_SHARE = 0.2;

/**
 * Waits until the whole process (every thread, measured by `process.cpuUsage`) has been quiet for
 * one step of a few ms while the main thread slept, or until `maxMs` passed. Returns the ms waited.
 */
export async function settle(maxMs = 250): Promise<number> {
  const start = performance.now();
  for (;;) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, STEP_MS));
    const cpu = process.cpuUsage(cpu0);
    const now = performance.now();
    if ((cpu.user + cpu.system) / 1000 < QUIET_SHARE * (now - t0) || now - start >= maxMs) return now - start;
  }
}
