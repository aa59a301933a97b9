import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { receiveHandoffs } from './handoff-port.js';

// The delivery thread's end of the hand-off port, on one thread: both ends of a channel here.

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const channel of channels.splice(0)) {
    channel.port1.close();
    channel.port2.close();
  }
});

function channelTo(taken: string[][]) {
  const channel = new MessageChannel();
  channels.push(channel);
  const receive = receiveHandoffs<string[]>(channel.port2, (ids) => taken.push(ids));
  return { send: (ids: string[]) => channel.port1.postMessage(ids), receive };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('receiveHandoffs', () => {
  it('takes what has arrived at once when asked, before the event loop delivers it', () => {
    const taken: string[][] = [];
    const { send, receive } = channelTo(taken);
    send(['d1', 'd2']);
    send(['d3']);
    receive();
    expect(taken).toEqual([['d1', 'd2'], ['d3']]);
  });

  it('takes each hand-off once, whether asked for or delivered by the event loop', async () => {
    const taken: string[][] = [];
    const { send, receive } = channelTo(taken);
    send(['d1']);
    receive();
    send(['d2']);
    for (let i = 0; i < 5 && taken.length < 2; i += 1) await turn();
    receive();
    await turn();
    expect(taken).toEqual([['d1'], ['d2']]);
  });

  it('takes nothing when nothing has arrived', () => {
    const taken: string[][] = [];
    channelTo(taken).receive();
    expect(taken).toEqual([]);
  });
});
