/** The error a client call rejects with, asserted to be a `MassiveError` (fails the test when it resolves). */
import { expect } from 'vitest';
import { MassiveError } from '../../src/index.js';

export async function rejection(promise: Promise<unknown>): Promise<MassiveError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(MassiveError);
    return error as MassiveError;
  }
  throw new Error('expected a rejection');
}
