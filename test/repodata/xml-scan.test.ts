/**
 * The metadata XML scanner against saxes (a conforming parser) as the oracle: the same events for
 * documents using every construct repodata can contain, whatever the chunk boundaries; and a
 * clear error for every kind of malformed input.
 */
import t from 'tap';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { XmlScanner } from '../../src/repodata/xml-scan.js';

type Event = ['open', string, Record<string, string>] | ['close', string, string];

const local = (q: string): string => q.slice(q.indexOf(':') + 1);

/** The events the readers used to get from saxes: text is what came since the previous tag. */
function oracle(xml: string): Event[] {
  const events: Event[] = [];
  const parser = new SaxesParser({ xmlns: false, position: false });
  let text = '';
  parser.on('opentag', (tag: SaxesTagPlain) => {
    text = '';
    events.push(['open', local(tag.name), { ...tag.attributes }]);
  });
  parser.on('text', (s: string) => (text += s));
  parser.on('cdata', (s: string) => (text += s));
  parser.on('closetag', (tag: SaxesTagPlain) => {
    events.push(['close', local(tag.name), text]);
    text = '';
  });
  parser.on('error', (e: Error) => {
    throw e;
  });
  parser.write(xml).close();
  return events;
}

function scanned(
  chunks: string[],
  attributesOf?: (name: string) => boolean,
  textOf?: (name: string) => boolean,
): Event[] {
  const events: Event[] = [];
  const scanner = new XmlScanner(
    {
      open: (name, attrs) => events.push(['open', name, { ...attrs }]),
      close: (name, text) => events.push(['close', name, text]),
    },
    { attributesOf, textOf },
  );
  for (const c of chunks) scanner.write(c);
  scanner.close();
  return events;
}

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function splitRandomly(text: string, rand: () => number, maxChunk: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length;) {
    const n = 1 + Math.floor(rand() * maxChunk);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

const sample = `<?xml version="1.0" encoding="UTF-8"?>
<!-- generated -->
<!DOCTYPE metadata [ <!ELEMENT metadata ANY> ]>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="2">
<package type="rpm">
  <name>a&amp;b</name>
  <arch>x86_64</arch>
  <version epoch="0" ver="1.0" rel="1&lt;2"/>
  <summary>less &lt; greater &gt; quote &quot; apos &apos; char &#233;&#x263A; ünïcødé 😀</summary>
  <description><![CDATA[raw <b>markup</b> & such]]> and after</description>
  <url>https://example.com/?a=1&amp;b=2</url>
  <format>
    <rpm:provides>
      <rpm:entry name="libfoo.so.1()(64bit)"/>
      <rpm:entry   name = 'single "quoted"'  flags="GE" epoch="0" ver="1" />
      <rpm:entry name="gt>inside" ver="a>b"/>
    </rpm:provides>
    <file type="dir">/opt/a b</file>
    <file>/opt/x<!-- a comment -->y</file>
  </format>
</package>
<package type='rpm'><name>second</name><arch>noarch</arch><empty></empty><self/></package>
</metadata>
<!-- trailing comment -->
`;

t.test('the same events as saxes, whatever the chunk boundaries', async (t) => {
  const expected = oracle(sample);
  t.ok(expected.length > 30, 'the sample is not trivial');
  t.same(scanned([sample]), expected, 'one chunk');
  const rand = rng(1);
  for (let round = 0; round < 300; round++) {
    const chunks = splitRandomly(sample, rand, round < 100 ? 3 : round < 200 ? 16 : 200);
    const got = scanned(chunks);
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      t.same(got, expected, `chunks: ${JSON.stringify(chunks)}`);
      return;
    }
  }
  t.pass('300 random splits');
  const onlyEntries = (name: string): boolean => name === 'entry';
  const withoutOthers = expected.map((e): Event => (e[0] === 'open' && e[1] !== 'entry' ? ['open', e[1], {}] : e));
  for (let round = 0; round < 100; round++) {
    const got = scanned(splitRandomly(sample, rand, 40), onlyEntries);
    if (JSON.stringify(got) !== JSON.stringify(withoutOthers)) {
      t.same(got, withoutOthers, `attributesOf, round ${round}`);
      return;
    }
  }
  t.pass('attributesOf: only the wanted elements get attributes (100 random splits)');
  const onlyNames = (name: string): boolean => name === 'name' || name === 'file';
  const textless = expected.map((e): Event => (e[0] === 'close' && !onlyNames(e[1]) ? ['close', e[1], ''] : e));
  for (let round = 0; round < 100; round++) {
    const got = scanned(splitRandomly(sample, rand, 40), undefined, onlyNames);
    if (JSON.stringify(got) !== JSON.stringify(textless)) {
      t.same(got, textless, `textOf, round ${round}`);
      return;
    }
  }
  t.pass('textOf: only the wanted elements get their text (100 random splits)');
});

t.test('capture: the source text of each element of a name, whatever the chunk boundaries', async (t) => {
  const expected = [...sample.matchAll(/<package[ >][^]*?<\/package>/g)].map((m) => m[0]);
  t.equal(expected.length, 2);
  const rand = rng(2);
  for (let round = 0; round < 200; round++) {
    const got: string[] = [];
    const scanner = new XmlScanner(
      { open: () => {}, close: () => {}, captured: (xml) => got.push(xml) },
      { capture: 'package' },
    );
    for (const c of splitRandomly(sample, rand, round < 100 ? 4 : 300)) scanner.write(c);
    scanner.close();
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      t.same(got, expected, `round ${round}`);
      return;
    }
  }
  t.pass('200 random splits');
  const selfClosing: string[] = [];
  const scanner = new XmlScanner(
    { open: () => {}, close: () => {}, captured: (xml) => selfClosing.push(xml) },
    { capture: 'entry' },
  );
  scanner.write('<r><rpm:entry name="a"/><x><entry name="b"></entry></x></r>');
  scanner.close();
  t.same(selfClosing, ['<rpm:entry name="a"/>', '<entry name="b"></entry>'], 'empty-element tags and prefixes');
});

t.test('malformed input is an error, never wrong events', async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['<a><b></a></b>', /does not match/],
    ['<a><b></b>', /not closed/],
    ['<a x=1></a>', /bad attributes/],
    ['<a x="1"y="2" z></a>', /bad attributes/],
    ['<a x="<"></a>', /bad attributes/],
    ['<a>&nbsp;</a>', /undefined entity/],
    ['<a>&amp</a>', /unterminated entity/],
    ['<a>&#xZZ;</a>', /bad character reference/],
    ['text<a></a>', /outside the root/],
    ['<a></a>text', /unexpected end|outside the root/],
    ['<a></a><b></b>', /second root/],
    ['<a>1 < 2</a>', /"<" that starts no tag/],
    ['</a>', /without a start tag/],
    ['<a></a x>', /bad end tag/],
    ['<a><!-- never closed', /not closed/],
    ['', /no root element/],
    ['<a', /unexpected end/],
  ];
  for (const [xml, message] of bad) {
    t.throws(() => oracle(xml), `saxes rejects ${JSON.stringify(xml)} too`);
    t.throws(() => scanned([xml]), message, JSON.stringify(xml));
    t.throws(() => scanned(xml.split('')), message, `${JSON.stringify(xml)}, one character a chunk`);
    t.throws(() => scanned([xml], () => false), message, `${JSON.stringify(xml)}, attributes not read`);
    if (!/entity|reference/.test(String(message)))
      t.throws(() => scanned([xml], undefined, () => false), message, `${JSON.stringify(xml)}, text not read`);
  }
});

t.test('bounded memory: endless whitespace is dropped as it arrives, never rescanned (issue 12)', async (t) => {
  // 1 GiB of whitespace inside an element whose text nobody reads, 1 MiB a write: with the old
  // carry-over (concatenate and rescan) this grew without bound and never finished
  const events: string[] = [];
  let captured = 0;
  const scanner = new XmlScanner(
    {
      open: (name) => events.push(`<${name}>`),
      close: (name, text) => events.push(`</${name}:${text}>`),
      captured: (xml) => (captured = xml.length),
    },
    { textOf: (name) => name === 'name' },
  );
  const blank = ' '.repeat(1 << 20);
  const heapBefore = process.memoryUsage().heapUsed;
  let heapMax = heapBefore;
  scanner.write('<metadata><package><name>x</name></package><other>');
  for (let i = 0; i < 1024; i++) {
    scanner.write(blank);
    if (i % 64 === 0) heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
  }
  scanner.write('</other></metadata>');
  scanner.close();
  t.same(events, [
    '<metadata>',
    '<package>',
    '<name>',
    '</name:x>',
    '</package:>',
    '<other>',
    '</other:>',
    '</metadata:>',
  ]);
  t.equal(captured, 0);
  t.ok(
    heapMax - heapBefore < 64 << 20,
    `heap grew by ${((heapMax - heapBefore) / 2 ** 20).toFixed(1)} MiB while reading 1 GiB`,
  );
});

t.test('limits: a text node, a tag and a captured element each have a ceiling', async (t) => {
  const limits = { markup: 1000, text: 1000, capture: 5000 };
  const run = (chunks: string[], options: { capture?: string; textOf?: (name: string) => boolean } = {}): void => {
    const scanner = new XmlScanner({ open: () => {}, close: () => {}, captured: () => {} }, { limits, ...options });
    for (const c of chunks) scanner.write(c);
    scanner.close();
  };
  const many = (s: string, n: number): string[] => Array.from({ length: n }, () => s);
  t.throws(
    () => run(['<a><name>', ...many('x'.repeat(100), 20), '</name></a>']),
    /text in <name> longer than 1000 characters/,
  );
  t.throws(
    () => run(['<a><name>', 'x'.repeat(2000), '</name></a>']),
    /text in <name> longer than 1000/,
    'in one write too',
  );
  t.throws(() => run(['<a><![CDATA[', 'x'.repeat(2000), ']]></a>']), /longer than 1000/);
  t.throws(() => run(['<a x="', ...many('y'.repeat(100), 20)]), /a tag longer than 1000 characters/);
  t.throws(
    () => run(['<a x="', ...many('>'.repeat(100), 20)]),
    /a tag longer than 1000 characters/,
    "'>' in every write: rescanned, still bounded",
  );
  t.throws(() => run(['<a><!--', ...many(' '.repeat(100), 20)]), /a tag longer than 1000/);
  t.throws(
    () => run(['<r><p>', ...many(' '.repeat(100), 60), '</p></r>'], { capture: 'p', textOf: () => false }),
    /a <p> element longer than 5000 characters/,
  );
  // under the limits, the same shapes are fine
  t.doesNotThrow(() => run(['<a><name>', ...many('x'.repeat(100), 9), '</name><!--', ' '.repeat(900), '--></a>']));
  t.doesNotThrow(() =>
    run(['<r><p>', ...many(' '.repeat(100), 40), '</p></r>'], { capture: 'p', textOf: () => false }),
  );
});
