/** What the CLI passes the libraries by default: the shipped al2 base profile and spec macros. */
import { buildSpecTarget, lambda2Target } from '../../src/config/macros.js';
import { loadProfile } from '../../src/config/profile.js';

const base = loadProfile('al2');

/** For rewriteSpec and comparePair (as `yumda spec rewrite`), and planBuild/runBuild (as `yumda build`). */
export const shipped = { base, target: lambda2Target(), plan: { base, specTarget: buildSpecTarget() } };
