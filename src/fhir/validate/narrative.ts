import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { bilingual } from '../outcomes';
import { walkObjects } from './walk';

/**
 * R4's narrative rules (narrative.html#rules), which Narrative.div's invariants txt-1 and txt-2 ask
 * of `htmlChecks()` — a function @medplum/core answers `true` for anything, so a `<script>` was
 * stored as is:
 * - txt-1: only "the basic html formatting elements and attributes described in chapters 7-11
 *   (except section 4 of chapter 9) and 15 of the HTML 4.0 standard, <a> elements (either name or
 *   href), images and internally contained style attributes"; no head, body, external stylesheet
 *   references, scripts, forms, base/link/xlink, frames, iframes or objects;
 * - txt-2: some non-whitespace content.
 *
 * The check is a small tokenizer rather than an XML parser: the parsers in node_modules
 * (@xmldom/xmldom, sax) are only optional peer dependencies of the development tooling, absent from
 * a production install. It is strict instead: the div must be well-formed XHTML (tags balanced,
 * attribute values quoted, `&` only in character references), its root one `div`; elements come
 * from the HTML 4.0 chapters above (allow-list); no attribute may be an event handler (`on…`), an
 * xlink, or a `javascript:`/`vbscript:` URL, and a style attribute may not import or run anything.
 */

/** HTML 4.0 chapters 7 (body content), 8, 9 but 9.4 (ins, del), 10, 11 and 15, with a and img. */
const ELEMENTS = new Set([
  'div', 'span', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'address', 'bdo',
  'em', 'strong', 'dfn', 'code', 'samp', 'kbd', 'var', 'cite', 'abbr', 'acronym', 'blockquote', 'q', 'sub', 'sup', 'p', 'br', 'pre',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'table', 'caption', 'thead', 'tfoot', 'tbody', 'colgroup', 'col', 'tr', 'th', 'td',
  'tt', 'i', 'b', 'big', 'small', 'strike', 's', 'u', 'font', 'center', 'hr',
  'a', 'img',
]);

/** A comment, a CDATA section, an end tag or a start tag (attribute values quoted, without `<`), from `<`. */
const MARKUP = /<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<\/([A-Za-z_][\w:.-]*)\s*>|<([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y;
const ATTRIBUTE = /([A-Za-z_][\w:.-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/g;
/** `&` outside a character or entity reference. */
const BARE_AMPERSAND = /&(?!#\d+;|#x[\da-fA-F]+;|[A-Za-z][\w.-]*;)/;
const SCRIPT_URL = /^(?:javascript|vbscript):/;
const UNSAFE_STYLE = /@import|expression\s*\(|javascript:|vbscript:|behavior\s*:|-moz-binding/;

interface Problem {
  key: 'txt-1' | 'txt-2';
  vi: string;
  en: string;
}

/** An error for every Narrative.div, in the resource or any resource inside it, that breaks txt-1 or txt-2. */
export function narrativeIssues(resource: Resource): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  walkObjects(resource, resource.resourceType, (object, path) => {
    if (typeof object.resourceType !== 'string') return;
    const text = object.text;
    const div = text && typeof text === 'object' ? (text as Record<string, unknown>).div : undefined;
    if (typeof div === 'string') {
      const problem = checkDiv(div);
      if (problem) {
        const message = bilingual(`Phần tường thuật vi phạm ${problem.key}: ${problem.vi}`, `The narrative breaks ${problem.key}: ${problem.en}`);
        issues.push({ severity: 'error', code: 'invariant', diagnostics: message, details: { text: message }, expression: [`${path}.text.div`] });
      }
    }
    return NARRATIVE;
  });
  return issues;
}

/** A resource's own narrative, read where the resource is: not walked as an element. */
const NARRATIVE: ReadonlySet<string> = new Set(['text']);

/** The first way the div breaks the rules, if any. */
export function checkDiv(html: string): Problem | undefined {
  const malformed = (at: number): Problem => ({ key: 'txt-1', vi: `XHTML không đúng cú pháp (ký tự thứ ${at})`, en: `not well-formed XHTML (at character ${at})` });
  const open: string[] = [];
  let rootClosed = false;
  let content = false;
  let pos = 0;
  while (pos < html.length) {
    const lt = html.indexOf('<', pos);
    const text = html.slice(pos, lt < 0 ? html.length : lt);
    if (BARE_AMPERSAND.test(text)) return malformed(pos + text.search(BARE_AMPERSAND));
    if (text.trim()) {
      if (open.length === 0) return malformed(pos);
      content = true;
    }
    if (lt < 0) break;
    MARKUP.lastIndex = lt;
    const m = MARKUP.exec(html);
    if (!m) return malformed(lt);
    pos = MARKUP.lastIndex;
    const [, cdata, end, start, attributes, selfClosing] = m;
    if (cdata !== undefined) {
      if (open.length === 0) return malformed(lt);
      if (cdata.trim()) content = true;
    } else if (end !== undefined) {
      if (open.pop() !== end) return malformed(lt);
      if (open.length === 0) rootClosed = true;
    } else if (start !== undefined) {
      if (rootClosed || (open.length === 0 && start !== 'div')) {
        return { key: 'txt-1', vi: 'nội dung phải là đúng một phần tử <div>', en: 'the content must be a single <div> element' };
      }
      if (!ELEMENTS.has(start)) return { key: 'txt-1', vi: `không được dùng thẻ <${start}>`, en: `element <${start}> is not allowed` };
      const problem = checkAttributes(start, attributes);
      if (problem) return problem;
      if (start === 'img') content = true;
      if (!selfClosing) open.push(start);
      else if (open.length === 0) rootClosed = true;
    }
  }
  if (!rootClosed || open.length > 0) return malformed(html.length);
  if (!content) return { key: 'txt-2', vi: 'không có nội dung nào ngoài khoảng trắng', en: 'it has no non-whitespace content' };
  return undefined;
}

function checkAttributes(element: string, attributes: string): Problem | undefined {
  for (const [, name, double, single] of attributes.matchAll(ATTRIBUTE)) {
    const raw = double ?? single;
    if (BARE_AMPERSAND.test(raw)) return { key: 'txt-1', vi: `XHTML không đúng cú pháp (thuộc tính ${name} của <${element}>)`, en: `not well-formed XHTML (attribute ${name} of <${element}>)` };
    const lower = name.toLowerCase();
    const value = decode(raw).replace(/[\s\u0000-\u001f]+/g, '').toLowerCase();
    if (lower.startsWith('on') || lower.startsWith('xlink:') || SCRIPT_URL.test(value) || (lower === 'style' && UNSAFE_STYLE.test(value))) {
      return { key: 'txt-1', vi: `không được dùng thuộc tính ${name}="${raw}" trên <${element}>`, en: `attribute ${name}="${raw}" is not allowed on <${element}>` };
    }
  }
  return undefined;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Character references resolved, as a browser would before reading a URL (`&#106;avascript:`). */
function decode(value: string): string {
  return value.replace(/&(?:#(\d+)|#x([\da-fA-F]+)|(\w+));/g, (ref, dec?: string, hex?: string, name?: string) => {
    if (name !== undefined) return Object.hasOwn(NAMED, name) ? NAMED[name] : ref;
    const code = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}
