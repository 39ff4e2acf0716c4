"""Train the circles MLP in Python and save it for the torchts server.

    python examples/serve/train_circles.py [--out examples/serve/models] [--epochs 300] [--hidden 256 256]
                                           [--onnx] [--torchscript] [--aoti]

Writes OUT/circles_py.pt: `torch.save(model.state_dict(), path)`, what
`npx tsx examples/serve/server.ts --model OUT/circles_py.pt` serves.
With --onnx also OUT/circles_py.onnx (`torch.onnx.export`, a dynamic batch
dimension; needs the `onnx` and `onnxscript` packages), which the benchmark's
onnxruntime-node server runs. With --torchscript also OUT/circles_py_script.pt
(`torch.jit.script(model).save`), with --aoti OUT/circles_py.pt2
(`torch._inductor.aoti_compile_and_package(torch.export.export(...))`, a
dynamic batch dimension; compiles C++, so it takes a minute). Needs torch and
scikit-learn.
"""
import argparse
import os

import torch
from torch import nn
from sklearn.datasets import make_circles
from sklearn.model_selection import train_test_split


def circles_mlp(hidden):
    widths = [2, *hidden, 2]
    layers = []
    for i in range(len(widths) - 1):
        if i > 0:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(widths[i], widths[i + 1]))
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "models"))
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--hidden", type=int, nargs="+", default=[256, 256])
    ap.add_argument("--onnx", action="store_true")
    ap.add_argument("--torchscript", action="store_true")
    ap.add_argument("--aoti", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    X, y = make_circles(1000, noise=0.03, random_state=42)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
    X_train, X_test = torch.tensor(X_train, dtype=torch.float32), torch.tensor(X_test, dtype=torch.float32)
    y_train, y_test = torch.tensor(y_train, dtype=torch.long), torch.tensor(y_test, dtype=torch.long)

    torch.manual_seed(42)
    model = circles_mlp(args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        model.train()
        optimizer.zero_grad()
        loss = criterion(model(X_train), y_train)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        acc = (model(X_test).argmax(1) == y_test).float().mean().item()
    print(f"trained {args.epochs} epochs: loss {loss.item():.4f}, test accuracy {acc:.4f}")

    path = os.path.join(args.out, "circles_py.pt")
    torch.save(model.state_dict(), path)
    print(f"saved {path}")

    if args.onnx:
        onnx_path = os.path.join(args.out, "circles_py.onnx")
        rows = torch.export.Dim("rows", min=1, max=65536)
        torch.onnx.export(model, (X_test[:64],), onnx_path, input_names=["inputs"], output_names=["logits"],
                          dynamic_shapes=({0: rows},), dynamo=True, external_data=False)
        print(f"saved {onnx_path}")

    if args.torchscript:
        script_path = os.path.join(args.out, "circles_py_script.pt")
        torch.jit.script(model).save(script_path)
        print(f"saved {script_path}")

    if args.aoti:
        pt2_path = os.path.join(args.out, "circles_py.pt2")
        rows = torch.export.Dim("rows", min=1, max=65536)
        with torch.no_grad():
            exported = torch.export.export(model, (X_test[:64],), dynamic_shapes=({0: rows},))
            torch._inductor.aoti_compile_and_package(exported, package_path=pt2_path)
        print(f"saved {pt2_path}")


if __name__ == "__main__":
    main()
