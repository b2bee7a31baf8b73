// Preloaded with `node --import` in front of bin/mktsync.js: sends the process a SIGTERM while the CLI
// is still loading, at a point every run reaches (bin's look for dist/, right before it loads the
// sources), so that "a signal during startup" is a state, not a race against the clock.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { setImmediate } from 'node:timers';

const existsSync = fs.existsSync;
let sent = false;
fs.existsSync = (path) => {
  const found = existsSync(path);
  if (!sent && String(path).endsWith(`dist${'/'}cli${'/'}main.js`)) {
    sent = true;
    setImmediate(() => process.kill(process.pid, 'SIGTERM'));
  }
  return found;
};
syncBuiltinESMExports();
