import type { UserDto } from './user.dto';

/** Who changed the user: the acting principal, or `system` (the admin CLI). */
export interface UserChangeActor {
  kind: 'user' | 'apiKey' | 'system';
  id: string;
}

/**
 * Where UsersService reports a change inside its transaction. The events outbox provides it (libs/events
 * depends on auth, so auth names only this port); without a provider nothing is reported.
 */
export abstract class UserEventSink {
  abstract userDisabled(user: UserDto, actor: UserChangeActor): Promise<void>;
}
