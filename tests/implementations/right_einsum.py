"""A right implementation written with numpy.einsum, every sum spelled out by its indices.

y_hat_i = sum_j X_ij w_j + b, L = sum_i r_i r_i / 2n, dw_j = sum_i X_ij r_i / n. einsum sums
in its own order (and may use a BLAS call or not), so its last bits differ from X @ w; every
figure agrees with the article's to rounding and the spec must pass it.
"""

import numpy as np


def initialize_params(dims):
    return np.zeros((dims, 1)), 0


def linear_loss(X, y, w, b):
    n = X.shape[0]
    y_hat = np.einsum("ij,jk->ik", X, w) + b
    error = y_hat - y
    loss = np.einsum("ik,ik->", error, error) / (2 * n)
    dw = np.einsum("ij,ik->jk", X, error) / n
    db = np.einsum("ik->", error) / n
    return y_hat, loss, dw, db


def linear_train(X, y, learning_rate=0.01, epochs=10000):
    loss_his = []
    w, b = initialize_params(X.shape[1])
    for epoch in range(1, epochs + 1):
        _, loss, dw, db = linear_loss(X, y, w, b)
        w = w - learning_rate * dw
        b = b - learning_rate * db
        loss_his.append(loss)
        if epoch % 10000 == 0:
            print("epoch %d loss %f" % (epoch, loss))
    return loss_his, {"w": w, "b": b}, {"dw": dw, "db": db}


def predict(X, params):
    return np.einsum("ij,jk->ik", X, params["w"]) + params["b"]


def r2_score(y_test, y_pred):
    residual = y_test - y_pred
    centred = y_test - np.einsum("ik->", y_test) / y_test.shape[0]
    return 1 - np.einsum("ik,ik->", residual, residual) / np.einsum("ik,ik->", centred, centred)
