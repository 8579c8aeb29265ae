import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * How many open holds one holder (the `owner_key` of its holds) has, kept by the database so the per-holder
 * cap holds under concurrency. Changed only by the conditional UPDATEs in `holderHoldsSql`.
 */
@Entity('holder_holds')
export class HolderHoldsEntity {
  @PrimaryColumn({ name: 'owner_key', type: 'varchar', length: 80 })
  ownerKey: string;

  /** Active holds, lapsed ones included until they are expired. */
  @Column({ name: 'open_holds', type: 'int', default: 0 })
  openHolds: number;
}
