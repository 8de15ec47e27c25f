/** The CLI's resource scope (src/cli/scope.ts): what a command opened is closed newest first, once, bounded. */
import { describe, expect, it, vi } from 'vitest';
import { commandScope, ResourceScope, runInScope } from '../src/cli/scope.js';

describe('ResourceScope', () => {
  it('closes newest first, each once, even when a close fails or the command throws', async () => {
    const order: string[] = [];
    const scope = new ResourceScope();
    const failure = new Error('start-up failed');
    await expect(
      runInScope(scope, async () => {
        commandScope().use('simulator', (r) => order.push(r));
        commandScope().use('store', () => {
          order.push('store');
          throw new Error('close failed');
        });
        const drain = commandScope().defer(() => order.push('drain'));
        await drain();
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(order).toEqual(['drain', 'store', 'simulator']);
    await scope.close();
    expect(order).toEqual(['drain', 'store', 'simulator']);
  });

  it('moves on from a close that hangs, saying so', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const scope = new ResourceScope();
      const closed: string[] = [];
      scope.defer(() => closed.push('redis'));
      scope.defer(() => new Promise(() => undefined), { name: 'stuck thing', timeoutMs: 50 });
      await scope.close();
      expect(closed).toEqual(['redis']);
      expect(write).toHaveBeenCalledWith('tickstock: closing the stuck thing took over 0.05 s: moving on\n');
    } finally {
      write.mockRestore();
    }
  });

  it('closes at once what is registered after the scope closed', async () => {
    const scope = new ResourceScope();
    await scope.close();
    const close = vi.fn();
    scope.use('late', close);
    await vi.waitFor(() => expect(close).toHaveBeenCalledWith('late'));
  });

  it('has no command scope outside main', () => {
    expect(() => commandScope()).toThrow('no command scope');
  });
});
