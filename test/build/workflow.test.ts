/**
 * .github/workflows/rebuild.yml: valid YAML with the structure GitHub expects, and every `yumda`
 * command it runs exists with the flags it passes (checked against the real commander program).
 */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Command, Option } from 'commander';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/program.js';
import { resolveTarget } from '../../src/config/target.js';
import { projectPath } from '../../src/util/paths.js';
import { scratchDir } from '../helpers/tmp.js';

interface Step {
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  steps: Step[];
  strategy?: { matrix?: unknown };
  permissions?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  env: Record<string, string>;
  jobs: Record<string, Job>;
}

/**
 * Splits a shell command line into words (quotes removed, $VAR / ${{ … }} / $(…) kept whole),
 * stopping at the first unquoted |, ;, & or redirection (the end of the simple command).
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  const closing = (from: number, close: string): number => {
    const end = line.indexOf(close, from);
    return end < 0 ? line.length : end;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const end = closing(i + 1, c);
      current += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '$' && (line[i + 1] === '(' || line.startsWith('${{', i))) {
      let end: number;
      if (line[i + 1] === '(') {
        let depth = 0;
        for (end = i + 1; end < line.length; end++) {
          if (line[end] === '(') depth++;
          else if (line[end] === ')' && --depth === 0) break;
        }
        end = Math.min(end + 1, line.length);
      } else {
        end = Math.min(closing(i, '}}') + 2, line.length);
      }
      current += line.slice(i, end);
      i = end - 1;
      inWord = true;
    } else if (c === '|' || c === ';' || c === '&' || c === '>' || c === '<') {
      break;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/** Every `npx yumda …` invocation in a run script, with $SELECT expanded to each alternative. */
function yumdaInvocations(script: string, variables: Record<string, string[]>): string[][] {
  const out: string[][] = [];
  for (const rawLine of script.split('\n')) {
    const line = rawLine;
    const at = line.indexOf('npx yumda ');
    if (at < 0) continue;
    let variants: string[][] = [[]];
    for (const word of shellWords(line.slice(at + 'npx yumda '.length))) {
      const m = /^\$([A-Z_]+)$/.exec(word);
      const alternatives = m && variables[m[1]!] ? variables[m[1]!]!.map((v) => shellWords(v)) : [[word]];
      variants = variants.flatMap((v) => alternatives.map((a) => [...v, ...a]));
    }
    out.push(...variants);
  }
  return out;
}

function findOption(cmd: Command, flag: string): Option | undefined {
  const all = [...cmd.options, ...((cmd.parent?.options as Option[] | undefined) ?? [])];
  return all.find((o) => o.long === flag || o.short === flag);
}

/** Problems with one invocation against the program, '' when it is fine. */
function checkInvocation(program: Command, words: string[]): string[] {
  const problems: string[] = [];
  let cmd = program;
  let i = 0;
  while (i < words.length && cmd.commands.length > 0) {
    const sub = cmd.commands.find((c) => c.name() === words[i] || c.aliases().includes(words[i]!));
    if (!sub) break;
    cmd = sub;
    i++;
  }
  if (cmd === program) return [`no such command: yumda ${words[0]}`];
  if (cmd.commands.length > 0) problems.push(`yumda ${words.slice(0, i).join(' ')} needs a subcommand`);
  let positional = 0;
  for (; i < words.length; i++) {
    const word = words[i]!;
    if (word.startsWith('-')) {
      const [flag] = word.split('=');
      const option = findOption(cmd, flag!);
      if (!option) {
        problems.push(`yumda ${cmd.name()} has no option ${flag}`);
        continue;
      }
      if ((option.required || option.optional) && !word.includes('=')) {
        if (option.required && (i + 1 >= words.length || words[i + 1]!.startsWith('-')))
          problems.push(`yumda ${cmd.name()} ${flag} needs a value`);
        i++;
        if (option.variadic) while (i + 1 < words.length && !words[i + 1]!.startsWith('-')) i++;
      }
    } else {
      positional++;
    }
  }
  const required = cmd.registeredArguments.filter((a) => a.required).length;
  if (positional < required) problems.push(`yumda ${cmd.name()} needs ${required} argument(s), got ${positional}`);
  if (positional > cmd.registeredArguments.length && !cmd.registeredArguments.some((a) => a.variadic))
    problems.push(`yumda ${cmd.name()}: too many arguments`);
  return problems;
}

interface Caller {
  on: Record<string, unknown>;
  concurrency: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<
    string,
    Job & {
      uses?: string;
      if?: string;
      'runs-on'?: string;
      with?: Record<string, string>;
      strategy?: { matrix?: { target?: string[]; arch?: string[]; include?: Array<Record<string, string>> } };
    }
  >;
}

t.test(
  'rebuild.yml: one reusable rebuild per target × arch on native runners, and the scheduled capture',
  async (t) => {
    const caller = parse(await readFile(projectPath('.github/workflows/rebuild.yml'), 'utf8')) as Caller;
    const push = caller.on.push as { branches: string[]; paths: string[] };
    t.same(push.branches, ['main']);
    for (const p of ['specs/**', 'patches/**', 'repo-metadata/**', 'docker/build/**'])
      t.ok(push.paths.includes(p), `push on ${p}`);
    const crons = (caller.on.schedule as Array<{ cron: string }>).map((s) => s.cron);
    t.equal(crons.length, 2, 'nightly rebuild, weekly capture');
    t.equal(caller.concurrency['cancel-in-progress'], false);
    const rebuild = caller.jobs.rebuild!;
    t.equal(rebuild.uses, './.github/workflows/rebuild-target.yml');
    const targets = readdirSync(projectPath('repo-metadata/targets'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
    for (const job of [rebuild, caller.jobs.capture!]) {
      t.same([...job.strategy!.matrix!.target!].sort(), targets, 'every target of repo-metadata/targets/');
      t.same(job.strategy!.matrix!.arch, ['x86_64', 'aarch64']);
      t.same(
        job.strategy!.matrix!.include,
        [
          { arch: 'x86_64', runner: 'ubuntu-24.04' },
          { arch: 'aarch64', runner: 'ubuntu-24.04-arm' },
        ],
        'a native runner per arch',
      );
    }
    t.match(rebuild.if, crons[1]!, 'the capture schedule does not rebuild');
    t.match(caller.jobs.capture!.if, crons[1]!);
    const captureRun = caller.jobs.capture!.steps.map((s) => s.run ?? '').join('\n');
    t.match(
      captureRun,
      'npx yumda base capture --image "public.ecr.aws/lambda/provided:${{ matrix.target }}" --target "${{ matrix.target }}/${{ matrix.arch }}"',
    );
    for (const target of targets)
      t.equal(
        resolveTarget(target).captureImage,
        `public.ecr.aws/lambda/provided:${target}`,
        `${target}: the image the workflow captures`,
      );
    t.same(caller.jobs['propose-profiles']!.needs, 'capture');
    t.equal(
      caller.jobs['propose-profiles']!.permissions?.['pull-requests'],
      'write',
      'the captured profiles are proposed, never pushed',
    );
  },
);

t.test('rebuild-target.yml', async (t) => {
  const text = await readFile(projectPath('.github/workflows/rebuild-target.yml'), 'utf8');
  const workflow = parse(text) as Workflow;

  t.test('called per target; per-target publish prefix; OIDC only for plan and publish', async (t) => {
    const call = workflow.on.workflow_call as { inputs: Record<string, unknown> };
    t.same(Object.keys(call.inputs).sort(), ['arch', 'runner', 'select', 'target']);
    t.equal(
      workflow.env.REPO_URL,
      's3://${{ vars.YUMDA_BUCKET }}/${{ vars.YUMDA_PREFIX }}/${{ inputs.target }}/${{ inputs.arch }}',
      '…/TARGET/ARCH/',
    );
    t.equal(workflow.jobs.publish!.permissions?.['id-token'], 'write', 'publish gets OIDC credentials');
    for (const [name, job] of Object.entries(workflow.jobs)) {
      if (name.startsWith('wave')) {
        t.notOk(job.permissions?.['id-token'], `${name} builds without cloud credentials`);
        t.equal(
          (job as Job & { 'runs-on': string })['runs-on'],
          '${{ inputs.runner }}',
          `${name} on the arch's native runner`,
        );
        t.ok(
          job.steps.some((s) => s.run?.includes('--target "$TARGET"')),
          `${name} builds for the target`,
        );
      }
    }
  });

  t.test('job graph: plan → waves in order → publish', async (t) => {
    const needs = (job: string): string[] => [workflow.jobs[job]!.needs ?? []].flat();
    t.same(needs('wave0'), ['plan']);
    for (let w = 1; w <= 3; w++) t.same(needs(`wave${w}`), ['plan', `wave${w - 1}`]);
    t.same(needs('publish'), ['plan', 'wave0', 'wave1', 'wave2', 'wave3']);
    for (let w = 0; w <= 3; w++) {
      t.match(
        String(workflow.jobs[`wave${w}`]!.strategy?.matrix),
        `needs.plan.outputs.wave${w}`,
        `wave${w} matrix from the plan`,
      );
      t.ok(
        workflow.jobs.plan!.steps.some((s) => s.run?.includes('--max-waves 4')),
        'the plan refuses more waves than jobs',
      );
    }
  });

  t.test('every yumda command exists with the flags used', async (t) => {
    const program = buildProgram();
    const variables = { SELECT: ['--changed --with-dependents', '--all'] };
    const invocations: string[][] = [];
    const caller = parse(await readFile(projectPath('.github/workflows/rebuild.yml'), 'utf8')) as Caller;
    for (const job of [...Object.values(workflow.jobs), ...Object.values(caller.jobs)])
      for (const step of job.steps ?? []) if (step.run) invocations.push(...yumdaInvocations(step.run, variables));
    const commands = new Set(
      invocations.map((w) => w.slice(0, w[0] === 'repo' || w[0] === 'source' || w[0] === 'base' ? 2 : 1).join(' ')),
    );
    for (const expected of ['source fetch', 'plan', 'build', 'repo index', 'repo publish', 'base capture'])
      t.ok(commands.has(expected), `runs yumda ${expected}`);
    for (const words of invocations) t.same(checkInvocation(program, words), [], `yumda ${words.join(' ')}`);
  });

  t.test('the checker catches mistakes', async (t) => {
    const program = buildProgram();
    t.match(checkInvocation(program, ['build', '--no-such-flag']), [/no option --no-such-flag/]);
    t.match(checkInvocation(program, ['frobnicate']), [/no such command/]);
    t.match(checkInvocation(program, ['repo', 'publish', 'dir']), [/needs 2 argument/]);
    t.same(shellWords(`a "b c" '$d' \${{ matrix.package }} $(ls x | y) --z >> out`), [
      'a',
      'b c',
      '$d',
      '${{ matrix.package }}',
      '$(ls x | y)',
      '--z',
    ]);
    t.same(shellWords(`unclosed "quote`), ['unclosed', 'quote'], 'never loops on bad input');
  });
});

t.test('action-validator (the schema GitHub uses) accepts every workflow and rejects a broken one', async (t) => {
  const validator = projectPath('node_modules/.bin/action-validator');
  for (const f of readdirSync(projectPath('.github/workflows')).filter((n) => n.endsWith('.yml'))) {
    const r = await execa(validator, [projectPath('.github/workflows', f)], { reject: false, all: true });
    t.equal(r.exitCode, 0, `${f}: ${r.all}`);
  }
  const dir = await scratchDir(t, 'workflow');
  await writeFile(
    join(dir, 'broken.yml'),
    'name: broken\non: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    stepz:\n      - run: true\n',
  );
  const bad = await execa(validator, [join(dir, 'broken.yml')], { reject: false, all: true });
  t.not(bad.exitCode, 0, 'a job without steps is refused');
});
