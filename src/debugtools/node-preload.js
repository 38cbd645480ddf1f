// Loaded by every node under a package manager (NODE_OPTIONS=--require, set
// by the launch wrapper under wrap/yarn, wrap/pnpm, wrap/npx): opens the
// inspector only in the app's node, never in the package manager's own.
'use strict';
(function () {
  const env = process.env;
  const address = env.CNB_DEBUG_NODE_INSPECT;
  if (!address) return;
  // A package manager's node runs its CLI script: npm-cli.js, npx-cli.js,
  // yarn.js (1.x), yarn-*.cjs in .yarn/releases (berry), pnpm.cjs, corepack.
  const script = process.argv[1] || '';
  const pm = /(^|[\\/])(npm-cli|npx-cli|yarn|pnpm|pnpx|corepack)(\.c?js)?$|[\\/]\.yarn[\\/]releases[\\/]|[\\/]node_modules[\\/](corepack|npm|pnpm|yarn)[\\/]/;
  // node -e / -p helpers of package managers have no script: not the app.
  if (script === '' || pm.test(script)) return;
  const wait = env.CNB_DEBUG_NODE_WAIT === '1';
  // The app's own child node processes must not fight for the port.
  delete env.CNB_DEBUG_NODE_INSPECT;
  delete env.CNB_DEBUG_NODE_WAIT;
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = Number(address.slice(colon + 1));
  try {
    // open(port, host, wait): with wait, node blocks until a client sends
    // Runtime.runIfWaitingForDebugger, as --inspect-brk would.
    require('inspector').open(port, host, wait);
  } catch (e) {
    process.stderr.write('debug-launch: cannot open the node inspector on ' + address + ': ' +
                         (e && e.message) + '; the app runs without the debugger\n');
  }
})();
