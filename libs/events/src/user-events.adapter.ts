import { Injectable } from '@nestjs/common';
import type { UserChangeActor, UserDto } from '@aero/auth';
import { UserEventSink } from '@aero/auth';
import { EventsService } from './events.service';

/** Auth reports user changes through its port; this writes them to the outbox (same transaction). */
declare module './event-types' {
  interface EventPayloads {
    'user.disabled': UserDto;
  }
}

@Injectable()
export class UserEventsAdapter extends UserEventSink {
  constructor(private readonly events: EventsService) {
    super();
  }

  async userDisabled(user: UserDto, actor: UserChangeActor): Promise<void> {
    await this.events.record('user.disabled', { venueId: null, actor, data: user });
  }
}
