"""Shared test setup: seeds, hypothesis profiles and the device under test.

TINYTORCH_TEST_DEVICE=cuda points the whole suite at one device (default "cpu"); when that device is absent
every test that asks for it is skipped with the reason shown (`pytest -rs`). CI=1 selects the derandomized
hypothesis profile "ci"; otherwise "dev" is used (HYPOTHESIS_PROFILE overrides both)."""
import os
import random
import sys
import warnings

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))  # `import optable` from any working directory

try:
    from hypothesis import HealthCheck, settings

    settings.register_profile("ci", derandomize=True, deadline=None, max_examples=30, print_blob=True,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    settings.register_profile("dev", deadline=None, max_examples=30, print_blob=True,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
except ImportError:  # hypothesis is a test extra; test_properties.py skips itself without it
    pass

import tinytorch as tt  # noqa: E402

try:
    import torch  # noqa: F401
except ImportError:
    torch = None

SEED = 0
TEST_DEVICE = os.environ.get("TINYTORCH_TEST_DEVICE", "cpu")


def device_absent_reason(name):
    """Why the device `name` cannot run tests here, or None when it can."""
    try:
        tt.device(name)
    except (ValueError, TypeError) as e:
        return f"TINYTORCH_TEST_DEVICE={name!r} is not a device name: {e}"
    kind = tt.device(name).type
    if kind == "cpu":
        return None
    backend = {"cuda": "cuda", "mps": "metal"}[kind]
    info = tt.config()["backends"][backend]
    if not info["built"]:
        return f"TINYTORCH_TEST_DEVICE={name!r}: this build has no {backend} backend"
    if info["devices"] <= tt.device(name).ordinal:
        return f"TINYTORCH_TEST_DEVICE={name!r}: no such device on this machine ({info['devices']} found)"
    return None


@pytest.fixture(autouse=True)
def _seed_everything():
    random.seed(SEED)
    np.random.seed(SEED)
    if torch is not None:
        torch.manual_seed(SEED)
    tt.manual_seed(SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's deprecation chatter (x.T on 3-d and the like)
        yield


@pytest.fixture(scope="session")
def device():
    """The device under test, from TINYTORCH_TEST_DEVICE; skips visibly when it is absent."""
    reason = device_absent_reason(TEST_DEVICE)
    if reason:
        pytest.skip(reason)
    return tt.device(TEST_DEVICE)


def pytest_report_header(config):
    reason = device_absent_reason(TEST_DEVICE)
    return [f"tinytorch test device: {TEST_DEVICE}" + (f" (SKIPPED: {reason})" if reason else ""),
            f"tinytorch config: {tt.config()}"]
