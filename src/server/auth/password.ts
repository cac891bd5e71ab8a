import bcrypt from "bcryptjs";

/** bcrypt cost factor: ~60 ms per hash on the reference machine. */
const COST = 10;

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, COST);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

/** Compared against when the e-mail is unknown, so timing does not reveal which accounts exist. */
export const DUMMY_HASH = bcrypt.hashSync("not-a-real-password", COST);
