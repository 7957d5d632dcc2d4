/** What the CLI passes the spec library by default: the shipped al2 base profile and lambda2 macros. */
import { lambda2Target } from '../../src/config/macros.js';
import { loadProfile } from '../../src/config/profile.js';

export const shipped = { base: loadProfile('al2'), target: lambda2Target() };
