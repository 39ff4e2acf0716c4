"""torchts bench worker: the workloads in PyTorch-Python (the reference anchor).

Driven by bench/run.mjs; one command per stdin line, one `@@RESULT {json}`
line per command. The loops mirror the torchts eager loops op for op; W4
(the tutorial's polynomial programs) is in polynomial.py.
"""
import json
import os
import sys
import time
import traceback

import numpy as np
import torch
from torch import nn

from polynomial import run_polynomial

DATA = {}


def load(dir_, x, y):
    xs = np.fromfile(f"{dir_}/{x}.f32", dtype="<f4").reshape(-1, 2)
    ys = np.fromfile(f"{dir_}/{y}.i64", dtype="<i8")
    return torch.from_numpy(xs.copy()), torch.from_numpy(ys.copy())


def make_model(sizes):
    torch.manual_seed(42)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        if i > 0:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(a, b))
    return nn.Sequential(*layers)


def w1(epochs):
    X_train, y_train, X_test, y_test = DATA["w1"]
    model = make_model([2, 8, 4, 2])
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    last = None
    t0 = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        optimizer.zero_grad()
        outputs = model(X_train)
        loss = criterion(outputs, y_train)
        loss.backward()
        optimizer.step()

        model.eval()
        with torch.no_grad():
            train_outputs = model(X_train)
            train_loss = criterion(train_outputs, y_train).item()
            _, train_pred = torch.max(train_outputs, 1)
            train_acc = (train_pred == y_train).sum().item() / y_train.size(0)
            test_outputs = model(X_test)
            test_loss = criterion(test_outputs, y_test).item()
            _, test_pred = torch.max(test_outputs, 1)
            test_acc = (test_pred == y_test).sum().item() / y_test.size(0)
            last = (train_loss, train_acc, test_loss, test_acc)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "epochs": epochs,
            "final": dict(zip(["trainLoss", "trainAcc", "testLoss", "testAcc"], last))}


def w2(limit, infer):
    X_all, y_all = DATA["w2"]
    n = min(limit, X_all.size(0))
    X, y = X_all[:n], y_all[:n]
    bs, infer_bs = 1024, 65536
    t0 = time.perf_counter()
    model = make_model([2, 256, 256, 2])
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    model.train()
    order = torch.randperm(n)
    last = float("nan")
    for s in range(0, n, bs):
        idx = order[s:s + bs]
        xb, yb = X.index_select(0, idx), y.index_select(0, idx)
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        last = loss.item()
    train_seconds = time.perf_counter() - t0
    out = {"trainSeconds": train_seconds, "samples": n, "batches": (n + bs - 1) // bs, "finalLoss": last}
    if infer:
        model.eval()
        t0 = time.perf_counter()
        with torch.no_grad():
            for s in range(0, n, infer_bs):
                model(X[s:s + infer_bs])
        out["inferSeconds"] = time.perf_counter() - t0
    return out


def w3(op, calls):
    if op == "add":
        a, b = torch.ones(2, 2), torch.ones(2, 2)
        f = torch.add
    elif op == "matmul":
        a, b = torch.ones(8, 8), torch.ones(8, 8)
        f = torch.matmul
    else:
        raise ValueError(f"unknown op {op}")
    t0 = time.perf_counter()
    for _ in range(calls):
        f(a, b)
    return {"seconds": time.perf_counter() - t0, "calls": calls}


def handle(words):
    cmd = words[0]
    if cmd == "hello":
        return {"torch": torch.__version__, "python": sys.version.split()[0], "threads": torch.get_num_threads(),
                "numpy": np.__version__, "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY")}
    if cmd == "threads":
        torch.set_num_threads(int(words[1]))
        return {"threads": torch.get_num_threads()}
    if cmd == "setup":
        d = words[2]
        if words[1] == "w1":
            DATA["w1"] = (*load(d, "w1_xtr", "w1_ytr"), *load(d, "w1_xte", "w1_yte"))
        elif words[1] == "w2":
            DATA["w2"] = load(d, "w2_x", "w2_y")
        return {}
    if cmd == "run":
        if words[1] == "w1":
            return w1(int(words[2]))
        if words[1] == "w2":
            return w2(int(words[2]), len(words) < 4 or words[3] != "noinfer")
        if words[1] == "w3":
            return w3(words[2], int(words[3]))
        if words[1] == "w4":
            return run_polynomial(words[2], int(words[3]))
    if cmd == "free":
        DATA.clear()
        return {}
    raise ValueError(f"unknown command {' '.join(words)}")


def main():
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        try:
            reply = handle(words)
        except Exception as e:  # reported to the driver, which marks the row failed
            reply = {"error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()}
        sys.stdout.write("@@RESULT " + json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
