"""XGBoost `hist` peer of the GBDT benchmark.

Reads the split written by run.ts (meta.json plus raw little-endian float32 files), trains with the
same settings, times DMatrix construction (quantile sketch) and training separately, writes the test
predictions as float32 and prints a JSON line with the timings.
"""
import argparse
import json
import os
import time

import numpy as np
import xgboost as xgb


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    with open(os.path.join(args.dir, "meta.json")) as fh:
        meta = json.load(fh)
    nf = meta["numFeatures"]
    x_train = np.fromfile(os.path.join(args.dir, "x_train.f32"), dtype="<f4").reshape(-1, nf)
    y_train = np.fromfile(os.path.join(args.dir, "y_train.f32"), dtype="<f4")
    x_test = np.fromfile(os.path.join(args.dir, "x_test.f32"), dtype="<f4").reshape(-1, nf)
    g = meta["gbdt"]
    params = {
        "tree_method": "hist",
        "nthread": g["threads"],
        "objective": "reg:squarederror",
        "eta": g["learningRate"],
        "max_depth": g["maxDepth"],
        "max_leaves": g["maxLeaves"],
        "grow_policy": g["growPolicy"],
        "max_bin": g["maxBin"],
        "lambda": g["lambda"],
        "min_child_weight": g["minChildWeight"],
        "base_score": float(np.mean(y_train.astype(np.float64))),
        "seed": g["seed"],
        "verbosity": 0,
    }
    results = []
    for _ in range(g["repeat"]):
        c0 = time.process_time()
        t0 = time.perf_counter()
        dtrain = xgb.DMatrix(x_train, label=y_train, missing=np.nan, nthread=g["threads"])
        t1 = time.perf_counter()
        booster = xgb.train(params, dtrain, num_boost_round=g["numTrees"])
        t2 = time.perf_counter()
        results.append((t1 - t0, t2 - t1, booster, time.process_time() - c0))
    best = min(results, key=lambda r: r[0] + r[1])
    booster = best[2]
    pred = booster.predict(xgb.DMatrix(x_test, missing=np.nan, nthread=g["threads"]))
    pred.astype("<f4").tofile(os.path.join(args.dir, "pred_xgboost.f32"))
    dump = booster.get_dump()
    leaves = sum(tree.count("leaf=") for tree in dump)
    print(
        json.dumps(
            {
                "xgboostVersion": xgb.__version__,
                "dmatrixSeconds": best[0],
                "trainSeconds": best[1],
                "cpuSeconds": best[3],
                "allSeconds": [r[0] + r[1] for r in results],
                "numTrees": len(dump),
                "numLeaves": leaves,
            }
        )
    )


if __name__ == "__main__":
    main()
