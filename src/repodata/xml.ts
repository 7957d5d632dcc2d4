/** Small helpers for writing XML text by hand (the metadata writers stream strings, no DOM). */

// Characters XML 1.0 forbids even escaped: C0 controls except tab/LF/CR, lone surrogates, U+FFFE/U+FFFF.
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const TEXT_SPECIAL = /[&<>]/;
const ATTR_SPECIAL = /[&<>"\n\r\t]/;

function clean(value: string): string {
  FORBIDDEN.lastIndex = 0;
  return FORBIDDEN.test(value) ? value.replace(FORBIDDEN, '') : value;
}

/** Escapes element text content. */
export function xmlText(value: string): string {
  const s = clean(value);
  if (!TEXT_SPECIAL.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value (double-quoted); whitespace controls are kept as character references. */
export function xmlAttr(value: string): string {
  const s = clean(value);
  if (!ATTR_SPECIAL.test(s)) return s;
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}
