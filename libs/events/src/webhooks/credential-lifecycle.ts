import { Injectable } from '@nestjs/common';

/** A credential that can own webhook endpoints. */
export interface CredentialRef {
  kind: 'user' | 'apiKey';
  id: string;
}

export type CredentialEndedListener = (credential: CredentialRef) => Promise<void>;

/**
 * The seam through which a feature that manages credentials (API keys) says "this credential no longer
 * acts" without knowing who cares: the webhooks feature listens and disables the endpoints it created.
 * `ended` runs the listeners in the caller's transaction, so the key and its endpoints change together.
 */
@Injectable()
export class CredentialLifecycle {
  private readonly listeners: CredentialEndedListener[] = [];

  onEnded(listener: CredentialEndedListener): void {
    this.listeners.push(listener);
  }

  async ended(credential: CredentialRef): Promise<void> {
    for (const listener of this.listeners) await listener(credential);
  }
}
