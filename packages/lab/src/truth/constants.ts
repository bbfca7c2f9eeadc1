// The lab's scenario-independent RFC 7583 delays (lab seconds), used for every scenario's waits.

/** Dprp (child and parent side alike): the lab's servers apply a step at once, but resolvers count time
 *  in whole real seconds (Unbound), which at the test speed of up to 10 is up to 10 lab seconds. */
export const LAB_DPRP = 10;

/** Dsgn: the lab's signer re-signs a whole (small) zone well within this many lab seconds. */
export const LAB_DSGN = 5;
