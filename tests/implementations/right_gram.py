"""A right implementation that trains with the Gram matrix X^T X / n.

The loss is a quadratic in (w, b), so a reader who knows it computes X^T X / n, X^T y / n and
the means once, and then every epoch's loss and gradients from them in O(d^2), whatever the
number of samples:

    L = (w^T G w + 2 b m^T w + b^2 - 2 c^T w - 2 b y_bar + y^T y / n) / 2
    dL/dw = G w + b m - c,  dL/db = m^T w + b - y_bar

with G = X^T X / n, c = X^T y / n, m the column means. linear_loss keeps the article's
residuals (it also returns y_hat). The arithmetic differs from the article's, so losses and
gradients differ in their last bits; every figure agrees to rounding and the spec must pass it.
"""

import numpy as np


def initialize_params(dims):
    return np.zeros((dims, 1)), 0


def linear_loss(X, y, w, b):
    n = X.shape[0]
    y_hat = X @ w + b
    error = y_hat - y
    loss = np.sum(error**2) / (2 * n)
    dw = X.T @ error / n
    db = np.sum(error) / n
    return y_hat, loss, dw, db


def linear_train(X, y, learning_rate=0.01, epochs=10000):
    n = X.shape[0]
    G = X.T @ X / n
    c = X.T @ y / n
    m = X.mean(axis=0).reshape(-1, 1)
    y_bar = y.mean()
    y_square = (y.T @ y)[0, 0] / n
    loss_his = []
    w, b = initialize_params(X.shape[1])
    for epoch in range(1, epochs + 1):
        Gw = G @ w
        mw = (m.T @ w)[0, 0]
        loss = ((w.T @ Gw)[0, 0] + 2 * b * mw + b * b - 2 * (c.T @ w)[0, 0] - 2 * b * y_bar + y_square) / 2
        dw = Gw + b * m - c
        db = mw + b - y_bar
        w = w - learning_rate * dw
        b = b - learning_rate * db
        loss_his.append(loss)
        if epoch % 10000 == 0:
            print("epoch %d loss %f" % (epoch, loss))
    return loss_his, {"w": w, "b": b}, {"dw": dw, "db": db}


def predict(X, params):
    return X @ params["w"] + params["b"]


def r2_score(y_test, y_pred):
    residual = ((y_test - y_pred) ** 2).sum()
    spread = ((y_test - y_test.mean()) ** 2).sum()
    return 1 - residual / spread
