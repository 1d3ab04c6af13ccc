/** Keeps maintainer scripts from starting daemons inside a --root target (they start on the target's boot). */
export const POLICY_RC_D = '/usr/sbin/policy-rc.d'
export const POLICY_RC_D_TEXT = '#!/bin/sh\n# written by xensetup for the length of one run\nexit 101\n'
