"""Label Studio's own SDK reads the model predictions in Mudou's Label Studio export.

Usage: ls_predictions_check.py EXPORT.json CONFIG.xml

Every prediction of every task (Mudou's consensus and the order's model suggestions) must
be a valid `PredictionRequest` (label_studio_sdk's API type) and pass the labeling
config's `LabelInterface.validate_prediction`. Prints a JSON summary: the predictions
checked by `model_version`, with their scores; exits non-zero on any refusal.
"""

import json
import sys

from label_studio_sdk.label_interface import LabelInterface
from label_studio_sdk.types import PredictionRequest


def main():
    export_path, config_path = sys.argv[1:3]
    tasks = json.load(open(export_path))
    li = LabelInterface(open(config_path).read())
    seen = {}
    for task in tasks:
        for p in task.get("predictions", []):
            PredictionRequest.model_validate({**p, "task": task["id"]})
            errors = li.validate_prediction(p, return_errors=True)
            assert errors == [] or errors is True, (task["data"].get("file_name"), errors, p)
            seen.setdefault(p["model_version"], []).append(p.get("score"))
    print(json.dumps(seen, sort_keys=True))


if __name__ == "__main__":
    main()
