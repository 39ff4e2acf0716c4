"""W4 in PyTorch-Python: the four polynomial programs of PyTorch's "Learning
PyTorch with Examples" (bench/workers/polynomial.mjs is the torchts twin).

Each fits y = sin(x) on 2000 points in [-pi, pi] with y = a + b x + c x^2 + d x^3,
on the CPU in float32, after torch.manual_seed(0). A program is built (data,
seed, initial parameters, model), then returns step(t): one iteration of the
tutorial's loop, giving the loss the tutorial reads with .item() (every
iteration in `tensor`, every 100th in the others) and None otherwise.
"""
import math
import time

import torch

LEARNING_RATE = 1e-6


def sin_data():
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float)
    return x, torch.sin(x)


def random_coefficients(requires_grad=False):
    """a, b, c, d: four standard-normal scalars, drawn after manual_seed(0)."""
    torch.manual_seed(0)
    return [torch.randn((), dtype=torch.float, requires_grad=requires_grad) for _ in range(4)]


def cubic(x, coefficients):
    a, b, c, d = coefficients
    return a + b * x + c * x ** 2 + d * x ** 3


def loss_at(t, loss):
    """The tutorial prints loss.item() every 100 iterations."""
    return loss.item() if t % 100 == 99 else None


def tensor_program():
    """"PyTorch: Tensors": forward pass, loss and gradients by hand."""
    x, y = sin_data()
    coefficients = random_coefficients()

    def step(t):
        y_pred = cubic(x, coefficients)
        loss = (y_pred - y).pow(2).sum().item()
        grad_y_pred = 2.0 * (y_pred - y)
        grads = [grad_y_pred.sum(), (grad_y_pred * x).sum(), (grad_y_pred * x ** 2).sum(), (grad_y_pred * x ** 3).sum()]
        for p, grad in zip(coefficients, grads):
            p -= LEARNING_RATE * grad
        return loss
    return step


def autograd_program():
    """"PyTorch: Tensors and autograd": loss.backward(), update under no_grad, grad = None."""
    x, y = sin_data()
    coefficients = random_coefficients(requires_grad=True)

    def step(t):
        y_pred = cubic(x, coefficients)
        loss = (y_pred - y).pow(2).sum()
        value = loss_at(t, loss)
        loss.backward()
        with torch.no_grad():
            for p in coefficients:
                p -= LEARNING_RATE * p.grad
                p.grad = None
        return value
    return step


def polynomial_model():
    """The nn programs' model: xx = [x, x^2, x^3], Linear(3, 1), Flatten(0, 1), MSELoss(sum)."""
    x, y = sin_data()
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    return xx, y, model, loss_fn


def nn_program():
    """"PyTorch: nn": model.zero_grad(), backward, manual update of the parameters under no_grad."""
    xx, y, model, loss_fn = polynomial_model()

    def step(t):
        loss = loss_fn(model(xx), y)
        value = loss_at(t, loss)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= LEARNING_RATE * param.grad
        return value
    return step


def optim_program():
    """"PyTorch: optim", with Adam(lr 1e-3): torchts has no RMSprop (the tutorial's), so both languages use Adam."""
    xx, y, model, loss_fn = polynomial_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(t):
        loss = loss_fn(model(xx), y)
        value = loss_at(t, loss)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return value
    return step


PROGRAMS = {"tensor": tensor_program, "autograd": autograd_program, "nn": nn_program, "optim": optim_program}


def run_polynomial(program, iterations):
    """Builds `program`, then times `iterations` steps of it; the final loss is the last one read."""
    if program not in PROGRAMS:
        raise ValueError(f"unknown W4 program {program}")
    step = PROGRAMS[program]()
    final_loss = float("nan")
    t0 = time.perf_counter()
    for t in range(iterations):
        loss = step(t)
        if loss is not None:
            final_loss = loss
    return {"seconds": time.perf_counter() - t0, "iterations": iterations, "finalLoss": final_loss}
