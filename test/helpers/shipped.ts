/** What the CLI passes the libraries by default: the shipped al2 base profile and spec macros. */
import { buildSpecTarget, lambda2Target } from '../../src/config/macros.js';
import { loadProfile } from '../../src/config/profile.js';

export const shipped = { base: loadProfile('al2'), target: lambda2Target(), buildTarget: buildSpecTarget() };
