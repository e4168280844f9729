// Preload for test/cli/signals.test.ts (node --import): when the CLI installs its handler for the
// signal named in PKTCRAFT_TEST_SELF_SIGNAL, the process sends itself that signal right after the
// current synchronous step, so it arrives while the command builds and writes its capture.
const name = process.env.PKTCRAFT_TEST_SELF_SIGNAL;
let sent = false;
if (name) {
  process.on('newListener', (event) => {
    if (event !== name || sent) return;
    sent = true;
    queueMicrotask(() => process.kill(process.pid, name));
  });
}
