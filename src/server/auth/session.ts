import { cookies } from "next/headers";
import { actorFromSessionToken, SESSION_COOKIES, type Actor } from "./actor";

/** The signed-in actor for server components and pages (from the database, like the API). */
export async function getServerActor(): Promise<Actor | null> {
  const jar = await cookies();
  const token = SESSION_COOKIES.map((n) => jar.get(n)?.value).find(Boolean);
  return actorFromSessionToken(token);
}
