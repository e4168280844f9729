/**
 * Engine worker thread: compiles the same template as the main thread and fills chunks of framed
 * records on request (see generate.ts). Packet i depends only on i, so chunks can be made anywhere.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fillRecords, type WorkerReply, type WorkerRequest, type WorkerSetup } from './generate.js';
import { CompiledTemplate } from './template.js';

const setup = workerData as WorkerSetup;
const template = new CompiledTemplate(setup.layers, setup.vary, { seed: setup.seed });
const port = parentPort!;

port.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const out = new Uint8Array(request.buffer);
    const used = fillRecords(template, setup.framing, request.first, request.count, out, 0);
    reply = { chunk: request.chunk, buffer: request.buffer, used };
  } catch (error) {
    reply = { chunk: request.chunk, buffer: request.buffer, used: 0, error: (error as Error).message };
  }
  port.postMessage(reply, [request.buffer]);
});
