/**
 * What the rules refuse, with the reason for the person who asked: a closed month, an unknown
 * account, a file that cannot be exported. Not a failure: the CLI exits 2 on it (1 is a failure)
 * and prints only the message. Each feature's refusal extends it, so the CLI tells them apart
 * without loading every feature.
 */
export class Refused extends Error {}
