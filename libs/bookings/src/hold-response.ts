import type { HoldResponseDto } from './dto/hold.dto';
import type { HoldEntity } from './hold.entity';

export function toHoldResponse(h: HoldEntity, now: Date): HoldResponseDto {
  const expiresAt = new Date(h.expiresAt);
  return {
    id: h.id,
    sessionId: h.sessionId,
    quantity: h.quantity,
    // An active hold past its expiry is already free for others (read-time check), whether swept or not.
    status: h.status === 'active' && expiresAt <= now ? 'expired' : h.status,
    expiresAt: expiresAt.toISOString(),
  };
}
