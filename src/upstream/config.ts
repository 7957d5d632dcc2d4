/**
 * Upstream source-RPM repositories (repo-metadata/upstreams.json) and how a command picks one:
 * `--upstream ID|URL`, else $YUMDA_UPSTREAM_URL, else the file's default.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod/v3';
import { ExitCode, YumdaError } from '../util/errors.js';
import { projectPath } from '../util/paths.js';
import { closeMatches } from '../util/suggest.js';

export const UPSTREAM_URL_ENV = 'YUMDA_UPSTREAM_URL';

const upstreamKindSchema = z.enum(['mirrorlist', 'baseurl']);
export type UpstreamKind = z.infer<typeof upstreamKindSchema>;

const upstreamEntrySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'ids are lower-case letters, digits, ".", "_" and "-"'),
  description: z.string(),
  /** A mirror.list URL or a repository base URL (see detectUrlKind). */
  url: z.string().min(1),
  /** Overrides the detection from the URL's name. */
  kind: upstreamKindSchema.optional(),
  /** The base profile (repo-metadata/base/ID.json) this upstream's packages target. */
  profile: z.string().optional(),
  /** Disabled entries are only used when selected explicitly with --upstream ID. */
  enabled: z.boolean().default(true),
  /** Why an entry is disabled or special, shown when it is used. */
  note: z.string().optional(),
  /** yum-style $variables expanded in url and in mirror.list lines (e.g. { "awsregion": "us-east-1" }). */
  variables: z.record(z.string(), z.string()).default({}),
});

const upstreamsFileSchema = z
  .object({
    $comment: z.string().optional(),
    default: z.string(),
    upstreams: z.array(upstreamEntrySchema).min(1),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    for (const [i, u] of file.upstreams.entries()) {
      if (seen.has(u.id))
        ctx.addIssue({ code: 'custom', path: ['upstreams', i, 'id'], message: `duplicate upstream id "${u.id}"` });
      seen.add(u.id);
    }
    const def = file.upstreams.find((u) => u.id === file.default);
    if (!def)
      ctx.addIssue({ code: 'custom', path: ['default'], message: `default "${file.default}" is not an upstream id` });
    else if (!def.enabled)
      ctx.addIssue({ code: 'custom', path: ['default'], message: `default "${file.default}" is disabled` });
  });

export type UpstreamEntry = z.infer<typeof upstreamEntrySchema>;
export type UpstreamsFile = z.infer<typeof upstreamsFileSchema>;

/** The upstream a command will read, with where the choice came from (for messages). */
export interface Upstream {
  /** The entry id, or "url" for an ad-hoc URL. */
  id: string;
  url: string;
  kind: UpstreamKind;
  description: string;
  enabled: boolean;
  note?: string;
  profile?: string;
  variables: Record<string, string>;
  origin: 'flag' | 'env' | 'default';
}

/** How messages name an upstream: its id, or its URL when it was given as one. */
export function upstreamLabel(upstream: Pick<Upstream, 'id' | 'url'>): string {
  return upstream.id === 'url' ? upstream.url : upstream.id;
}

const defaultUpstreamsPath = (): string => projectPath('repo-metadata', 'upstreams.json');

/** Reads and validates an upstreams file (default: repo-metadata/upstreams.json). */
export function loadUpstreams(file: string = defaultUpstreamsPath()): UpstreamsFile {
  if (!existsSync(file)) throw new YumdaError('UPSTREAMS_NOT_FOUND', `no upstream definitions at ${file}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new YumdaError('UPSTREAMS_INVALID', `${file} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = upstreamsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new YumdaError(
      'UPSTREAMS_INVALID',
      `${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/**
 * A URL names a mirror list when its last path segment is `mirror.list` or contains `mirrorlist`
 * (yum's two conventions: Amazon Linux's mirror.list, Fedora-style ?repo=… mirrorlist endpoints);
 * anything else is a repository base URL, the directory that holds repodata/. A URL ending in
 * /repodata/ or /repodata/repomd.xml is taken as the repository above it.
 */
export function detectUrlKind(url: string): UpstreamKind {
  const path = url.split(/[?#]/)[0]!.replace(/\/+$/, '');
  const last = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  if (last === 'mirror.list' || last.includes('mirrorlist')) return 'mirrorlist';
  if (last === 'metalink' || url.includes('metalink?')) {
    throw new YumdaError('UPSTREAM_METALINK', `metalink URLs are not supported: ${url}`, {
      exitCode: ExitCode.usage,
      hint: 'give the repository base URL (the directory holding repodata/) or a mirror.list URL',
    });
  }
  return 'baseurl';
}

/** Strips a trailing repodata/ or repodata/repomd.xml so a base URL always names the repository root. */
export function normalizeBaseUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/repodata(\/repomd\.xml)?$/, '');
}

function looksLikeUrl(value: string): boolean {
  return (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.startsWith('/') || value.startsWith('./') || value.startsWith('../')
  );
}

/** Expands yum-style $name and ${name} variables; unknown names are an error (they would 404 later, less clearly). */
export function expandVariables(text: string, variables: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const value = variables[name];
    if (value === undefined) {
      throw new YumdaError('UPSTREAM_VARIABLE', `${text}: unknown variable ${whole}`, {
        hint: `define it in the upstream's "variables" in repo-metadata/upstreams.json`,
      });
    }
    return value;
  });
}

function fromUrl(url: string, origin: Upstream['origin']): Upstream {
  const absolute = url.startsWith('.') ? new URL(url, `file://${process.cwd()}/`).href : url;
  return {
    id: 'url',
    url: absolute,
    kind: detectUrlKind(absolute),
    description: absolute,
    enabled: true,
    variables: {},
    origin,
  };
}

function fromEntry(entry: UpstreamEntry, origin: Upstream['origin']): Upstream {
  const url = expandVariables(entry.url, entry.variables);
  return {
    id: entry.id,
    url,
    kind: entry.kind ?? detectUrlKind(url),
    description: entry.description,
    enabled: entry.enabled,
    variables: entry.variables,
    origin,
    ...(entry.note === undefined ? {} : { note: entry.note }),
    ...(entry.profile === undefined ? {} : { profile: entry.profile }),
  };
}

export interface ResolveUpstreamOptions {
  env?: NodeJS.ProcessEnv;
  file?: string;
}

/**
 * Picks the upstream: `choice` (from --upstream: an id of upstreams.json or a URL), else
 * $YUMDA_UPSTREAM_URL (a URL or an id), else the file's default.
 */
export function resolveUpstream(choice: string | undefined, options: ResolveUpstreamOptions = {}): Upstream {
  const env = options.env ?? process.env;
  const envValue = env[UPSTREAM_URL_ENV]?.trim();
  const [value, origin]: [string | undefined, Upstream['origin']] = choice
    ? [choice, 'flag']
    : envValue
      ? [envValue, 'env']
      : [undefined, 'default'];
  if (value !== undefined && looksLikeUrl(value)) return fromUrl(value, origin);
  const file = loadUpstreams(options.file);
  const id = value ?? file.default;
  const entry = file.upstreams.find((u) => u.id === id);
  if (!entry) {
    const ids = file.upstreams.map((u) => u.id);
    const near = closeMatches(id, ids);
    const from = origin === 'env' ? ` (from $${UPSTREAM_URL_ENV})` : '';
    throw new YumdaError('UPSTREAM_UNKNOWN', `unknown upstream "${id}"${from}`, {
      exitCode: ExitCode.usage,
      hint:
        near.length > 0
          ? `did you mean ${near.join(', ')}? (known: ${ids.join(', ')})`
          : `known upstreams: ${ids.join(', ')}; or give a URL`,
    });
  }
  return fromEntry(entry, origin);
}
