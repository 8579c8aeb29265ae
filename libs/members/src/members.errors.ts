import { defineProblemType } from '@aero/core';

/** Problem types of the members feature. */
export const MembersProblems = {
  memberNotFound: defineProblemType({
    code: 'MEMBERS_MEMBER_NOT_FOUND',
    slug: 'member-not-found',
    status: 404,
    title: 'Member not found',
    description:
      'No such member, or not one the caller may see (members see only themselves and their dependants).',
  }),
  emailTaken: defineProblemType({
    code: 'MEMBERS_EMAIL_TAKEN',
    slug: 'member-email-taken',
    status: 409,
    title: 'Email already in use',
    description: 'Another member has this email (compared case-insensitively). Find that member instead.',
  }),
  invalidGuardian: defineProblemType({
    code: 'MEMBERS_INVALID_GUARDIAN',
    slug: 'invalid-guardian',
    status: 409,
    title: 'Invalid guardian',
    description: 'A guardian must be another, adult member who has no guardian themself.',
  }),
  guardianMustSign: defineProblemType({
    code: 'MEMBERS_GUARDIAN_MUST_SIGN',
    slug: 'guardian-must-sign',
    status: 409,
    title: 'The guardian must sign',
    description:
      "A minor's waiver is signed by their guardian: send `signedByMemberId` with the guardian's id.",
  }),
  invalidTransition: defineProblemType({
    code: 'MEMBERS_INVALID_MEMBERSHIP_TRANSITION',
    slug: 'invalid-membership-transition',
    status: 409,
    title: 'Membership status change not allowed',
    description:
      'Allowed: none → active; active → paused | cancelled; paused → active | cancelled; cancelled → active.',
  }),
  hasDependants: defineProblemType({
    code: 'MEMBERS_HAS_DEPENDANTS',
    slug: 'member-has-dependants',
    status: 409,
    title: 'Member is a guardian',
    description: "Move or delete the member's dependants before deleting the member.",
  }),
};
