"""PyTorch (CPU) peer of the MLP benchmark.

Reads the split written by run.ts (meta.json plus raw little-endian float32 files) and trains the same
network the same way as trainMlp: features standardised with the training mean and standard deviation
(NaN -> 0, the mean), target standardised, Linear+ReLU hidden layers with Glorot-uniform weights and
zero biases, Adam, MSE, shuffled mini-batches. Times preprocessing plus training (not Python start-up
or imports), writes the test predictions as float32 and prints one JSON line.
"""
import argparse
import json
import os
import time

import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: meta.json)")
    args = ap.parse_args()
    with open(os.path.join(args.dir, "meta.json")) as fh:
        meta = json.load(fh)
    nf = meta["numFeatures"]
    m = meta["mlp"]
    threads = args.threads or m["threads"]
    torch.set_num_threads(threads)
    torch.manual_seed(m["seed"])
    x_train = np.fromfile(os.path.join(args.dir, "x_train.f32"), dtype="<f4").reshape(-1, nf)
    y_train = np.fromfile(os.path.join(args.dir, "y_train.f32"), dtype="<f4").astype(np.float64)
    x_test = np.fromfile(os.path.join(args.dir, "x_test.f32"), dtype="<f4").reshape(-1, nf)

    c0 = time.process_time()
    t0 = time.perf_counter()
    mean = np.nanmean(x_train.astype(np.float64), axis=0)
    std = np.nanstd(x_train.astype(np.float64), axis=0)
    inv_std = np.where(std > 1e-12, 1.0 / np.where(std > 1e-12, std, 1.0), 1.0)

    def scale(x: np.ndarray) -> torch.Tensor:
        s = (x - mean.astype(np.float32)) * inv_std.astype(np.float32)
        return torch.from_numpy(np.nan_to_num(s, nan=0.0).astype(np.float32))

    y_mean = float(y_train.mean())
    y_std = float(y_train.std()) or 1.0
    xs = scale(x_train)
    ys = torch.from_numpy(((y_train - y_mean) / y_std).astype(np.float32)).reshape(-1, 1)

    layers = []
    sizes = [nf] + m["hiddenLayers"] + [1]
    for i in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[i], sizes[i + 1])
        torch.nn.init.xavier_uniform_(lin.weight)
        torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i + 2 < len(sizes):
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(
        model.parameters(), lr=m["learningRate"], betas=(m["beta1"], m["beta2"]), eps=m["epsilon"]
    )
    loss_fn = torch.nn.MSELoss()
    n = xs.shape[0]
    bs = m["batchSize"]
    gen = torch.Generator().manual_seed(m["seed"])
    epoch_losses = []
    epoch_seconds = []
    for _ in range(m["epochs"]):
        e0 = time.perf_counter()
        perm = torch.randperm(n, generator=gen)
        total = 0.0
        for i in range(0, n, bs):
            idx = perm[i : i + bs]
            xb = xs[idx]
            yb = ys[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
        epoch_losses.append(total / n)
        epoch_seconds.append(time.perf_counter() - e0)
    train_seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0

    with torch.no_grad():
        pred = model(scale(x_test)).numpy().reshape(-1) * y_std + y_mean
    pred.astype("<f4").tofile(os.path.join(args.dir, f"pred_torch_{threads}.f32"))
    print(
        json.dumps(
            {
                "torchVersion": torch.__version__,
                "threads": torch.get_num_threads(),
                "trainSeconds": train_seconds,
                "cpuSeconds": cpu_seconds,
                "epochSeconds": epoch_seconds,
                "epochLosses": epoch_losses,
                "numParameters": sum(p.numel() for p in model.parameters()),
            }
        )
    )


if __name__ == "__main__":
    main()
