import type { MemberResponseDto, WaiverResponseDto } from './dto/member-response.dto';

// The `data` of the events this feature emits: each resource as its GET returns it.
declare module '@aero/events' {
  interface EventPayloads {
    'member.created': MemberResponseDto;
    'member.updated': MemberResponseDto;
    'membership.changed': MemberResponseDto;
    'waiver.signed': WaiverResponseDto;
  }
}
