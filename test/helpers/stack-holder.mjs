// Holds a data directory the way `config-monitor ingest` or `up` does: starts the embedded stack on
// argv[2], prints "ready" and waits until it is killed. Plain JavaScript that loads the TypeScript
// stack through tsx, as bin/config-monitor.js does.
import { register } from 'tsx/esm/api';

register();
const { startEmbeddedStack } = await import('../../pipeline/embedded/stack.ts');

const stack = await startEmbeddedStack({ dataDir: process.argv[2], messageLog: () => {} });
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void stack.close().then(() => process.exit(0));
});
setInterval(() => {}, 60_000);
