"""The Python anchor of `npm run bench:serve`: PyTorch behind FastAPI + uvicorn.

    python bench/serve/fastapi_server.py --model circles_py.pt --port 8081

The same service as examples/serve: POST /predict {"inputs": number[][]} ->
{"logits", "classes"}, GET /health, the circles MLP loaded from the same
state dict, and the same micro-batching rule (examples/serve/batcher.ts): a
batch leaves the queue when fewer than max_inflight batches run and either
none runs, the queue holds max_batch_rows rows, or its oldest request has
waited max_wait_ms; it takes whole requests while they fit. The forward runs
in a worker thread (torch releases the GIL), as forwardAsync runs on napi's
thread pool.
"""
import argparse
import asyncio
import time
from typing import List

import torch
import uvicorn
from fastapi import FastAPI, HTTPException
from fastapi.responses import Response
from pydantic import BaseModel
from torch import nn


def circles_mlp(state):
    widths = []
    i = 0
    while f"{i}.weight" in state:
        out_f, in_f = state[f"{i}.weight"].shape
        if not widths:
            widths.append(in_f)
        widths.append(out_f)
        i += 2
    layers = []
    for k in range(len(widths) - 1):
        if k > 0:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(widths[k], widths[k + 1]))
    model = nn.Sequential(*layers)
    model.load_state_dict(state)
    return model.eval(), widths[0]


class Body(BaseModel):
    inputs: List[List[float]]


class Batcher:
    def __init__(self, model, max_batch_rows, max_wait_ms, max_inflight):
        self.model = model
        self.max_batch_rows = max_batch_rows
        self.max_wait = max_wait_ms / 1000
        self.max_inflight = max_inflight
        self.queue = []  # (rows tensor, n, arrived, future)
        self.queued_rows = 0
        self.inflight = 0
        self.pump_scheduled = False
        self.timer = None

    def submit(self, rows):
        fut = asyncio.get_running_loop().create_future()
        self.queue.append((rows, rows.shape[0], time.perf_counter(), fut))
        self.queued_rows += rows.shape[0]
        self.schedule()
        return fut

    def schedule(self):
        if not self.pump_scheduled:
            self.pump_scheduled = True
            asyncio.get_running_loop().call_soon(self.pump)

    def pump(self):
        self.pump_scheduled = False
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        while self.queue and self.inflight < self.max_inflight:
            waited = time.perf_counter() - self.queue[0][2]
            if not (self.inflight == 0 or self.queued_rows >= self.max_batch_rows or waited >= self.max_wait):
                self.timer = asyncio.get_running_loop().call_later(max(0.0, self.max_wait - waited), self.pump)
                return
            batch, rows = [], 0
            while self.queue and (not batch or rows + self.queue[0][1] <= self.max_batch_rows):
                item = self.queue.pop(0)
                rows += item[1]
                batch.append(item)
            self.queued_rows -= rows
            self.inflight += 1
            asyncio.get_running_loop().create_task(self.run(batch))

    def forward(self, x):
        with torch.inference_mode():
            return self.model(x)

    async def run(self, batch):
        try:
            x = batch[0][0] if len(batch) == 1 else torch.cat([b[0] for b in batch])
            out = await asyncio.get_running_loop().run_in_executor(None, self.forward, x)
            at = 0
            for rows, n, _, fut in batch:
                fut.set_result(out[at:at + n])
                at += n
        except Exception as e:  # noqa: BLE001 - every waiter hears of it
            for *_, fut in batch:
                if not fut.done():
                    fut.set_exception(e)
        finally:
            self.inflight -= 1
            if self.queue:
                self.schedule()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8081)
    ap.add_argument("--max-batch-rows", type=int, default=4096)
    ap.add_argument("--max-wait-ms", type=float, default=2)
    ap.add_argument("--max-inflight", type=int, default=2)
    ap.add_argument("--max-rows", type=int, default=4096)
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads, as the torchts server's --threads")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    model, features = circles_mlp(torch.load(args.model))
    app = FastAPI()
    batcher = Batcher(model, args.max_batch_rows, args.max_wait_ms, args.max_inflight)

    @app.get("/health")
    async def health():
        return {"status": "ok", "model": args.model, "inFeatures": features}

    @app.post("/predict")
    async def predict(body: Body):
        inputs = body.inputs
        if not 1 <= len(inputs) <= args.max_rows:
            raise HTTPException(400, f"inputs must have 1 to {args.max_rows} rows, got {len(inputs)}")
        if any(len(r) != features for r in inputs):
            raise HTTPException(400, f"every row must have {features} numbers")
        x = torch.tensor(inputs, dtype=torch.float32)
        if not torch.isfinite(x).all():
            raise HTTPException(400, "inputs must be finite float32 numbers")
        logits = await batcher.submit(x)
        classes = logits.argmax(1).tolist()
        text = '{"logits":' + str(logits.tolist()).replace(" ", "") + ',"classes":' + str(classes).replace(" ", "") + "}"
        return Response(text, media_type="application/json")

    print(f"listening on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
