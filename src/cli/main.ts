import { runCli } from './run.js';

// The AWS SDK warns on every run under Node 20 that its 2027 releases will need Node 22; yumda pins
// the SDK it ships with, so the warning only confuses users. An explicit setting still wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
