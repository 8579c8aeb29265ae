import { Injectable } from '@nestjs/common';

/** A credential that can own webhook endpoints. */
export interface CredentialRef {
  kind: 'user' | 'apiKey';
  id: string;
}

export type CredentialEndedListener = (credential: CredentialRef) => Promise<void>;
export type CredentialSucceededListener = (predecessor: CredentialRef, successor: CredentialRef) => Promise<void>;

/**
 * The seam through which a feature that manages credentials (API keys) says "this credential no longer
 * acts" without knowing who cares: the webhooks feature listens and disables the endpoints it created.
 * A rotated credential is not an ended one: `succeeded` hands what the predecessor owns to its successor, so
 * ending the predecessor later (its grace period over, or revoked) takes nothing with it.
 * Both run the listeners in the caller's transaction, so the key and its endpoints change together.
 */
@Injectable()
export class CredentialLifecycle {
  private readonly listeners: CredentialEndedListener[] = [];
  private readonly successionListeners: CredentialSucceededListener[] = [];

  onEnded(listener: CredentialEndedListener): void {
    this.listeners.push(listener);
  }

  async ended(credential: CredentialRef): Promise<void> {
    for (const listener of this.listeners) await listener(credential);
  }

  onSucceeded(listener: CredentialSucceededListener): void {
    this.successionListeners.push(listener);
  }

  async succeeded(predecessor: CredentialRef, successor: CredentialRef): Promise<void> {
    for (const listener of this.successionListeners) await listener(predecessor, successor);
  }
}
