import type { Composition, CompositionSection, Encounter } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcomes';
import { resourceResponse, type Interaction } from '../fhir/request';
import { atomically } from './atomic';
import { OperationInput } from '../fhir/operations/input';
import { staffOnly } from './errors';

/**
 * Encounter/[id]/$case-conference — minutes of a remote case conference (hội chẩn từ xa, Circular
 * 49/2017/TT-BYT) as a Composition attached to the encounter: who took part (name, role,
 * facility), the case summary, the discussion, the conclusion. Parameters: participant (string,
 * one per person), summary, discussion, conclusion, date (default now).
 */
export const caseConference: Interaction = async (req, { id }, ctx) => {
  staffOnly(ctx.repo, 'Chỉ nhân viên y tế mới lập biên bản hội chẩn', 'Only the station writes case-conference minutes, not a patient-context client');
  const input = new OperationInput(req);
  const participants = input.strings('participant');
  if (participants.length < 2) throw badRequest('Biên bản hội chẩn cần ít nhất hai người tham gia (tham số participant)', 'Case-conference minutes need at least two participants');
  const sections: [string, string][] = [
    ['Thành phần tham gia hội chẩn', participants.join('\n')],
    ['Tóm tắt bệnh án', input.requiredString('summary', 'tóm tắt bệnh án')],
    ['Ý kiến thảo luận', input.requiredString('discussion', 'ý kiến thảo luận')],
    ['Kết luận', input.requiredString('conclusion', 'kết luận')],
  ];
  const date = input.string('date') ?? new Date().toISOString();
  const created = await atomically(ctx.repo, async (repo) => {
    const encounter = (await repo.read('Encounter', id)) as Encounter;
    const author = encounter.participant?.map((p) => p.individual).filter((r) => !!r) ?? [];
    const minutes: Composition = {
      resourceType: 'Composition',
      status: 'final',
      type: { coding: [{ system: 'http://loinc.org', code: '11488-4', display: 'Consult note' }], text: 'Biên bản hội chẩn từ xa' },
      subject: encounter.subject,
      encounter: { reference: `Encounter/${id}` },
      date,
      author: author.length ? author : [{ display: 'Trạm y tế xã' }],
      title: 'Biên bản hội chẩn từ xa (Thông tư 49/2017/TT-BYT)',
      section: sections.map(([title, text]) => section(title, text)),
    };
    return (await repo.create(minutes)).resource;
  });
  return resourceResponse(201, created, ctx.baseUrl, true);
};

function section(title: string, text: string): CompositionSection {
  const paragraphs = text
    .split('\n')
    .map((line) => `<p>${escapeXml(line)}</p>`)
    .join('');
  return { title, text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${paragraphs}</div>` } };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
