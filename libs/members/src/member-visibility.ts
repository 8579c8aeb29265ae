/**
 * "The caller may see this member", as an SQL condition another feature's statement can carry (rendered
 * for the statement's own data source, with named parameters of its own), so a write that must check
 * visibility before it acts does not spend a statement of its own on it. Same rule as every member read:
 * the member is live, known at one of a venue-restricted caller's venues, and a member user's own profile
 * or dependant.
 */
export interface MemberVisibilityCondition {
  sql: string;
  parameters: Record<string, unknown>;
}
