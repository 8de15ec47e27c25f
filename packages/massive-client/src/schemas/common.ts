/** Pieces shared by the wire schemas. */
import { z } from 'zod';

/**
 * `request_id`: a string, kept leniently: anything else (the spec's grouped-daily example holds a JSON-schema object
 * there) reads as absent rather than failing the whole response.
 */
export const requestIdSchema = z.string().optional().catch(undefined);

/** The envelope's `status`: `OK`, `DELAYED` (delayed plans) or anything the API adds later; an open string. */
export const responseStatusSchema = z.string();

/** `next_url` of a paginated response: an absolute URL with an opaque cursor, present while pages remain. */
export const nextUrlSchema = z.string().optional();
