import type { Resource } from '@medplum/fhirtypes';
import { loadR4Definitions, type R4Definitions } from '../../src/fhir/definitions';
import { checkDiv } from '../../src/fhir/validate/narrative';
import { validate } from '../../src/fhir/validate/validator';

// R4 narrative rules (src/fhir/validate/narrative.ts): txt-1 (basic HTML 4.0 formatting only; no
// scripts, forms, frames, objects, external styles, event attributes, script URLs) and txt-2 (some
// content). @medplum/core's htmlChecks() answers true for anything. The official examples and the
// Synthea bundles all pass (test/conformance/spec-examples.int.test.ts round-trips the examples).

const xhtml = (inner: string): string => `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>`;
const noProfiles = { get: () => undefined };

describe('narrative XHTML: txt-1 and txt-2', () => {
  test.each([
    xhtml('<p>Nguyễn Thị Thư, <b>nữ</b>, sinh 12/05/1990</p>'),
    xhtml('<table class="grid"><tr><th colspan="2">Mạch</th></tr><tr><td style="color: red">120</td><td>&lt;&amp;&gt; &#160;&nbsp;</td></tr></table>'),
    xhtml('<a href="http://example.org/a?x=1&amp;y=2" title="đọc">x</a><br/><img src="data:image/png;base64,iVBO" alt="ảnh"/>'),
    xhtml('<!-- a comment --><pre><![CDATA[a < b]]></pre>'),
    `  ${xhtml('<ul><li>một</li></ul>')}  `,
  ])('accepted: %s', (div) => {
    expect(checkDiv(div)).toBeUndefined();
  });

  test.each([
    [xhtml('<script>alert(1)</script>'), 'txt-1', '<script>'],
    [xhtml('<p>x</p><SCRIPT>alert(1)</SCRIPT>'), 'txt-1', '<SCRIPT>'],
    [xhtml('<iframe src="http://evil.example"></iframe>'), 'txt-1', '<iframe>'],
    [xhtml('<object data="x.swf">x</object>'), 'txt-1', '<object>'],
    [xhtml('<form action="/x"><input name="a"/></form>'), 'txt-1', '<form>'],
    [xhtml('<link rel="stylesheet" href="http://evil.example/x.css"/>x'), 'txt-1', '<link>'],
    [xhtml('<base href="http://evil.example/"/>x'), 'txt-1', '<base>'],
    [xhtml('<frameset><frame src="x"/></frameset>'), 'txt-1', '<frameset>'],
    ['<html><body><div>x</div></body></html>', 'txt-1', 'single <div>'],
    [xhtml('<img src="x.png" onerror="alert(1)"/>'), 'txt-1', 'onerror'],
    [xhtml('<p onClick="alert(1)">x</p>'), 'txt-1', 'onClick'],
    [xhtml('<a href="javascript:alert(1)">x</a>'), 'txt-1', 'href'],
    [xhtml('<a href=" &#106;ava&#x09;script:alert(1)">x</a>'), 'txt-1', 'href'],
    [xhtml('<a xlink:href="http://evil.example">x</a>'), 'txt-1', 'xlink:href'],
    [xhtml('<p style="background: url(javascript:alert(1))">x</p>'), 'txt-1', 'style'],
    [xhtml('<p style="@import url(http://evil.example/x.css)">x</p>'), 'txt-1', 'style'],
    [xhtml('<p>x</b>'), 'txt-1', 'not well-formed'],
    [xhtml('<p>a & b</p>'), 'txt-1', 'not well-formed'],
    [xhtml('<p class=x>a</p>'), 'txt-1', 'not well-formed'],
    ['<div xmlns="http://www.w3.org/1999/xhtml"><p>x</p>', 'txt-1', 'not well-formed'],
    [`${xhtml('x')}<script>alert(1)</script>`, 'txt-1', 'single <div>'],
    [xhtml('  <p> </p> '), 'txt-2', 'non-whitespace'],
  ])('refused: %s (%s, %s)', (div, key, said) => {
    const problem = checkDiv(div);
    expect(problem).toMatchObject({ key });
    expect(problem!.en).toContain(said);
  });

  describe('on every resource validated, contained ones included', () => {
    let defs: R4Definitions;
    beforeAll(() => {
      defs = loadR4Definitions();
    });

    test('one error at each bad div, Vietnamese then English', () => {
      const resource = {
        resourceType: 'Patient',
        text: { status: 'generated', div: xhtml('<script>alert(1)</script>') },
        contained: [{ resourceType: 'Practitioner', id: 'pr', text: { status: 'generated', div: xhtml(' ') } }],
        generalPractitioner: [{ reference: '#pr' }],
      } as Resource;
      const errors = validate(resource, defs, noProfiles).filter((i) => i.severity === 'error');
      expect(errors).toEqual([
        expect.objectContaining({ code: 'invariant', expression: ['Patient.text.div'], diagnostics: expect.stringMatching(/^Phần tường thuật vi phạm txt-1: .* \/ The narrative breaks txt-1: element <script> is not allowed$/) }),
        expect.objectContaining({ code: 'invariant', expression: ['Patient.contained[0].text.div'], diagnostics: expect.stringContaining('txt-2') }),
      ]);
    });
  });
});
