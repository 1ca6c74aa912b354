// Shared by the packages' gc-deopt children (run bundled under --expose-gc --trace-deopt, see
// weak-deopts.ts), which import it by relative path.

/**
 * Prints `=== full collection` (the test reads V8's report from there on), then three times: idles
 * a moment (the slices that commits schedule run, none is left pending), collects garbage fully
 * and runs `round`; prints `=== done` at the end.
 */
export async function afterCollections(round: () => Promise<void>): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  console.log('=== full collection');
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    gc();
    gc();
    await round();
  }
  console.log('=== done');
}
