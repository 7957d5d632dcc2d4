/**
 * Where packages come from: `--repo URL` (repeatable), `--repofile FILE` (yum .repo INI),
 * `YUMDA_REPOS`, else the default definition shipped in repo-metadata/repos/. Every source ends up
 * as a validated RepoDefinition; a bad .repo file names the file, the line and the key.
 */
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { z } from 'zod/v3';
import { ExitCode, YumdaError } from '../util/errors.js';
import { matchesGlob } from '../util/glob.js';
import { shortHash } from '../util/hash.js';
import { lazy } from '../util/lazy.js';
import { projectPath } from '../util/paths.js';

/** What a repository URL may be: file://, http(s)://, s3:// or an absolute path. */
const REPO_URL_RULE = {
  test: (u: string): boolean => /^(file|https?|s3):\/\//.test(u) || u.startsWith('/'),
  message: 'must be a file://, http(s):// or s3:// URL (or an absolute path)',
};

/** The keys of a [section] in a yum .repo file that yumda understands (others are ignored with a note). */
function buildSectionSchema() {
  const boolSchema = z
    .string()
    .transform((v) => v.trim().toLowerCase())
    .refine(
      (v) => ['1', '0', 'yes', 'no', 'true', 'false', 'on', 'off'].includes(v),
      'must be 1/0, yes/no, true/false or on/off',
    )
    .transform((v) => ['1', 'yes', 'true', 'on'].includes(v));
  return z.object({
    name: z.string().optional(),
    baseurl: z.string().optional(),
    mirrorlist: z.string().refine(REPO_URL_RULE.test, REPO_URL_RULE.message).optional(),
    enabled: boolSchema.optional(),
    gpgcheck: boolSchema.optional(),
    gpgkey: z.string().optional(),
    repo_gpgcheck: boolSchema.optional(),
    priority: z
      .string()
      .regex(/^\d+$/, 'must be a whole number (1 = highest priority, 99 = default)')
      .transform(Number)
      .optional(),
    exclude: z.string().optional(),
    metadata_expire: z
      .string()
      .regex(/^(-1|never|\d+[smhd]?)$/i, 'must be seconds, a number with s/m/h/d, or never (-1)')
      .transform(parseExpire)
      .optional(),
  });
}

/** Built on first use: a run with only --repo URLs never needs it. */
const sectionSchema = lazy(buildSectionSchema);

/** yum's metadata_expire: seconds, or with a unit (90m, 6h, 2d); never/-1 = keep until --refresh. */
function parseExpire(value: string): number {
  const v = value.trim().toLowerCase();
  if (v === 'never' || v === '-1') return Infinity;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[v.slice(-1)] ?? 1;
  return Number.parseInt(v, 10) * unit;
}

export interface RepoDefinition {
  id: string;
  name: string;
  /** Base URLs tried in order (a mirrorlist adds to them when it is read). */
  baseurls: string[];
  mirrorlist: string | null;
  enabled: boolean;
  gpgcheck: boolean;
  gpgkeys: string[];
  /**
   * repo_gpgcheck: repodata/repomd.xml must carry a detached signature (repomd.xml.asc) by one of
   * gpgkeys. Only .repo files set it; a bare --repo URL never does.
   */
  repoGpgcheck: boolean;
  /** Lower wins, as with yum-plugin-priorities (default 99). */
  priority: number;
  /** Package name globs never used from this repository. */
  exclude: string[];
  /** Seconds a fetched repomd.xml is trusted (metadata_expire; null = the default, 6 h). */
  metadataExpire: number | null;
  /** Where this definition came from, for messages. */
  origin: string;
}

function splitList(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}

/** Expands the yum variables yumda knows ($basearch, $arch, $releasever, $target). */
export function expandRepoVars(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => vars[name] ?? whole);
}

/** Parses a yum .repo INI text. `file` is used in messages only. */
export function parseRepoFile(text: string, file: string, vars: Record<string, string> = {}): RepoDefinition[] {
  interface RawSection {
    id: string;
    line: number;
    values: Record<string, string>;
    lines: Record<string, number>;
  }
  const sections: RawSection[] = [];
  let current: RawSection | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]*)\]$/.exec(line);
    if (header) {
      const id = header[1]!.trim();
      if (!/^[A-Za-z0-9_.:-]+$/.test(id)) {
        throw new YumdaError(
          'REPOFILE_INVALID',
          `${file}:${lineNo}: bad repository id "[${id}]" (letters, digits, _ . : - only)`,
          { exitCode: ExitCode.usage },
        );
      }
      if (sections.some((s) => s.id === id))
        throw new YumdaError('REPOFILE_INVALID', `${file}:${lineNo}: repository [${id}] is defined twice`, {
          exitCode: ExitCode.usage,
        });
      current = { id, line: lineNo, values: {}, lines: {} };
      sections.push(current);
      continue;
    }
    // continuation lines (leading whitespace) extend the previous key, as in yum's INI parser
    if (/^\s/.test(raw) && current && Object.keys(current.values).length > 0) {
      const lastKey = Object.keys(current.values).at(-1)!;
      current.values[lastKey] += ' ' + expandRepoVars(line, vars);
      continue;
    }
    const kv = /^([A-Za-z_][\w.-]*)\s*=\s*(.*)$/.exec(line);
    if (!kv)
      throw new YumdaError('REPOFILE_INVALID', `${file}:${lineNo}: expected "key=value" or "[id]", got "${line}"`, {
        exitCode: ExitCode.usage,
      });
    if (!current)
      throw new YumdaError('REPOFILE_INVALID', `${file}:${lineNo}: key "${kv[1]}" before any [repository] section`, {
        exitCode: ExitCode.usage,
      });
    const key = kv[1]!.toLowerCase();
    current.values[key] = expandRepoVars(kv[2]!.trim(), vars);
    current.lines[key] = lineNo;
  }
  const repos: RepoDefinition[] = [];
  for (const section of sections) {
    if (section.id === 'main') continue; // yum.conf's [main] may be included; its options are not repository options
    const known: Record<string, string> = {};
    const schema = sectionSchema();
    for (const [k, v] of Object.entries(section.values)) if (Object.hasOwn(schema.shape, k)) known[k] = v;
    const parsed = schema.safeParse(known);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const key = String(issue.path[0] ?? '');
      const at = section.lines[key] ?? section.line;
      throw new YumdaError(
        'REPOFILE_INVALID',
        `${file}:${at}: [${section.id}] ${key}: ${issue.message} (got "${section.values[key] ?? ''}")`,
        {
          exitCode: ExitCode.usage,
        },
      );
    }
    const v = parsed.data;
    const baseurls = splitList(v.baseurl);
    for (const url of baseurls) {
      if (!REPO_URL_RULE.test(url)) {
        throw new YumdaError(
          'REPOFILE_INVALID',
          `${file}:${section.lines.baseurl}: [${section.id}] baseurl: "${url}" ${REPO_URL_RULE.message}`,
          {
            exitCode: ExitCode.usage,
          },
        );
      }
    }
    if (baseurls.length === 0 && !v.mirrorlist) {
      throw new YumdaError(
        'REPOFILE_INVALID',
        `${file}:${section.line}: [${section.id}] needs a baseurl or a mirrorlist`,
        { exitCode: ExitCode.usage },
      );
    }
    const gpgcheck = v.gpgcheck ?? false;
    const gpgkeys = splitList(v.gpgkey);
    if (gpgcheck && gpgkeys.length === 0) {
      throw new YumdaError(
        'REPOFILE_INVALID',
        `${file}:${section.lines.gpgcheck}: [${section.id}] gpgcheck=1 needs a gpgkey`,
        { exitCode: ExitCode.usage },
      );
    }
    const repoGpgcheck = v.repo_gpgcheck ?? false;
    if (repoGpgcheck && gpgkeys.length === 0) {
      throw new YumdaError(
        'REPOFILE_INVALID',
        `${file}:${section.lines.repo_gpgcheck}: [${section.id}] repo_gpgcheck=1 needs a gpgkey`,
        { exitCode: ExitCode.usage },
      );
    }
    repos.push({
      id: section.id,
      name: v.name ?? section.id,
      baseurls,
      mirrorlist: v.mirrorlist ?? null,
      enabled: v.enabled ?? true,
      gpgcheck,
      gpgkeys,
      repoGpgcheck,
      priority: v.priority ?? 99,
      exclude: splitList(v.exclude),
      metadataExpire: v.metadata_expire ?? null,
      origin: `${file}:${section.line}`,
    });
  }
  return repos;
}

/** A repository from a bare URL (--repo, YUMDA_REPOS): a stable id derived from the URL. */
export function repoFromUrl(url: string, origin: string): RepoDefinition {
  if (!REPO_URL_RULE.test(url))
    throw new YumdaError('BAD_REPO_URL', `${origin}: "${url}" ${REPO_URL_RULE.message}`, { exitCode: ExitCode.usage });
  const normalized = url.startsWith('/') ? `file://${url}` : url;
  // a short readable id: the last path segment (or the host) and a hash of the whole URL
  const parts = normalized
    .replace(/^\w+:\/\//, '')
    .split('/')
    .filter(Boolean);
  const slug = (parts.at(-1) ?? 'repo').replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 24);
  const id = `${slug || 'repo'}-${shortHash(normalized, 4)}`;
  return {
    id,
    name: normalized,
    baseurls: [normalized],
    mirrorlist: null,
    enabled: true,
    gpgcheck: false,
    gpgkeys: [],
    repoGpgcheck: false,
    priority: 99,
    exclude: [],
    metadataExpire: null,
    origin,
  };
}

export interface RepoOptions {
  repo?: string[];
  repofile?: string[];
  enablerepo?: string[];
  disablerepo?: string[];
  arch?: string;
  /** yum variables for .repo files ($basearch, $releasever, $target: see targetRepoVariables); they win over `arch`. */
  vars?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
}

export function defaultRepoDir(): string {
  return projectPath('repo-metadata', 'repos');
}

function readRepoFile(file: string, vars: Record<string, string>): RepoDefinition[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new YumdaError(
      'REPOFILE_NOT_FOUND',
      `cannot read repo file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { exitCode: ExitCode.usage },
    );
  }
  return parseRepoFile(text, file, vars);
}

/**
 * The repositories to use, all of them (disabled ones too: their metadata can explain a missing
 * dependency). Precedence: --repo/--repofile, else YUMDA_REPOS, else repo-metadata/repos/*.repo.
 */
export function configuredRepos(options: RepoOptions = {}): RepoDefinition[] {
  const env = options.env ?? process.env;
  const vars = {
    basearch: options.arch ?? 'x86_64',
    arch: options.arch ?? 'x86_64',
    releasever: '2',
    target: 'al2',
    ...options.vars,
  };
  const repos: RepoDefinition[] = [];
  for (const url of options.repo ?? []) repos.push(repoFromUrl(url, '--repo'));
  for (const file of options.repofile ?? []) repos.push(...readRepoFile(file, vars));
  if (repos.length === 0 && env.YUMDA_REPOS?.trim()) {
    for (const entry of splitList(env.YUMDA_REPOS)) {
      if (entry.endsWith('.repo') && !/^\w+:\/\//.test(entry)) repos.push(...readRepoFile(entry, vars));
      else repos.push(repoFromUrl(entry, 'YUMDA_REPOS'));
    }
  }
  if (repos.length === 0) {
    const dir = defaultRepoDir();
    if (existsSync(dir)) {
      for (const f of readdirSync(dir)
        .filter((n) => n.endsWith('.repo'))
        .sort())
        repos.push(...readRepoFile(`${dir}/${f}`, vars));
    }
  }
  const seen = new Set<string>();
  for (const r of repos) {
    if (seen.has(r.id))
      throw new YumdaError('REPO_DUPLICATE', `repository id "${r.id}" is defined twice (${r.origin})`, {
        exitCode: ExitCode.usage,
      });
    seen.add(r.id);
  }
  for (const id of options.enablerepo ?? []) {
    const matched = repos.filter((r) => matchesGlob(r.id, [id]));
    if (matched.length === 0)
      throw new YumdaError(
        'REPO_UNKNOWN',
        `--enablerepo ${id}: no such repository (known: ${[...seen].join(', ') || 'none'})`,
        { exitCode: ExitCode.usage },
      );
    for (const r of matched) r.enabled = true;
  }
  for (const id of options.disablerepo ?? []) for (const r of repos) if (matchesGlob(r.id, [id])) r.enabled = false;
  if (repos.length === 0) {
    throw new YumdaError('NO_REPOS', 'no repositories configured', {
      exitCode: ExitCode.usage,
      hint: 'pass --repo URL or --repofile FILE, or set YUMDA_REPOS',
    });
  }
  return repos;
}
