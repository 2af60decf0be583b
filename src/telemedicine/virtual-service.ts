import { randomBytes } from 'node:crypto';
import type { Extension, Schedule } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcomes';
import { CHANNELS, TM_CS, TM_EXT, type Channel } from './canonical';

/**
 * How to join a consultation, in the shape of R5's VirtualServiceDetail carried as the extension
 * fhir-profiles/telemedicine/StructureDefinition-virtual-service.json. The station sets templates
 * on each Schedule (a video link with `{room}`, a phone number); each appointment gets its own
 * copy with a fresh, unguessable room key.
 */

const CHANNEL_DISPLAY: Record<Channel, string> = { video: 'Gọi video', phone: 'Gọi điện thoại', chat: 'Nhắn tin' };

const part = (ext: Extension, url: string): Extension | undefined => ext.extension?.find((e) => e.url === url);

/** The channel of one virtual-service extension. */
export function channelOf(ext: Extension): Channel | undefined {
  const coding = part(ext, 'channelType')?.valueCoding;
  return coding?.system === TM_CS.channel && CHANNELS.includes(coding.code as Channel) ? (coding.code as Channel) : undefined;
}

export function channelCoding(channel: Channel): { system: string; code: string; display: string } {
  return { system: TM_CS.channel, code: channel, display: CHANNEL_DISPLAY[channel] };
}

/** Parses the requested channel (default video). */
export function parseChannel(value: string | undefined): Channel {
  const channel = (value ?? 'video') as Channel;
  if (!CHANNELS.includes(channel)) throw badRequest(`Hình thức khám phải là ${CHANNELS.join(', ')}`, `channel must be one of ${CHANNELS.join(', ')}`);
  return channel;
}

/** The channels a schedule offers: its templates, and chat (messages) always. */
export function offeredChannels(schedule: Schedule): Channel[] {
  const templates = (schedule.extension ?? []).filter((e) => e.url === TM_EXT.virtualService);
  return [...new Set([...templates.map(channelOf).filter((c): c is Channel => !!c), 'chat' as const])];
}

/**
 * The appointment's join details: every channel the schedule offers, the room key put into the
 * video link; and the chosen mode. A channel the schedule does not offer is refused.
 */
export function appointmentJoinDetails(schedule: Schedule, chosen: Channel): Extension[] {
  if (!offeredChannels(schedule).includes(chosen)) {
    throw badRequest(`Lịch này không nhận khám qua hình thức "${CHANNEL_DISPLAY[chosen]}"`, `This schedule does not offer the ${chosen} channel`);
  }
  const room = randomBytes(12).toString('base64url');
  const details = (schedule.extension ?? [])
    .filter((e) => e.url === TM_EXT.virtualService && channelOf(e))
    .map((template): Extension => {
      const parts = (template.extension ?? []).map((p) => (p.url === 'address' && p.valueUrl ? { url: 'address', valueUrl: p.valueUrl.replaceAll('{room}', room) } : p));
      const usesRoom = template.extension?.some((p) => p.valueUrl?.includes('{room}'));
      return { url: TM_EXT.virtualService, extension: usesRoom ? [...parts, { url: 'sessionKey', valueString: room }] : parts };
    });
  return [{ url: TM_EXT.mode, valueCoding: channelCoding(chosen) }, ...details];
}
