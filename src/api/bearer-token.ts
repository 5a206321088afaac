import { timingSafeEqual } from "node:crypto";

/**
 * A check of an `Authorization` header against `Bearer <token>`, in constant time (the HTTP
 * routes' hook and the worker channel's upgrade both use it).
 */
export function bearerCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  return (authorization) => {
    const got = Buffer.from(authorization ?? "");
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
}
