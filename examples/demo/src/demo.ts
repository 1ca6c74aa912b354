// The README's main job. Placeholder until the cli issue makes it real: it shows the toolkit loads.
import { kw } from 'datomkit';

console.log(`datomkit demo: the toolkit loads (${String(kw('demo/ready'))}); the full walkthrough arrives with the cli issue.`);
