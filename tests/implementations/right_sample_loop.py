"""A right implementation that goes through the samples one at a time (each row a numpy row).

Written as a reader who thinks of the loss as a sum over samples: every function is a loop
over rows, accumulating the loss and the gradients. Every figure agrees with the article's to
rounding; the spec must pass it. Slow: 200,000 epochs on the diabetes rows take minutes, so
the suite judges it on the claims its loops touch, and ``make styles`` judges it in full.
"""

import numpy as np


def initialize_params(dims):
    return np.zeros((dims, 1)), 0


def linear_loss(X, y, w, b):
    n = X.shape[0]
    y_hat = np.empty((n, 1))
    loss, dw, db = 0.0, np.zeros((X.shape[1], 1)), 0.0
    for i in range(n):
        row = X[i]
        y_hat[i, 0] = row @ w[:, 0] + b
        error = y_hat[i, 0] - y[i, 0]
        loss += error * error
        dw[:, 0] += error * row
        db += error
    return y_hat, loss / (2 * n), dw / n, db / n


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
    w, b = params["w"], params["b"]
    return np.array([[row @ w[:, 0] + b] for row in X])


def r2_score(y_test, y_pred):
    mean = sum(float(v) for v in y_test[:, 0]) / len(y_test)
    residual = sum((float(t) - float(p)) ** 2 for t, p in zip(y_test[:, 0], y_pred[:, 0], strict=True))
    spread = sum((float(t) - mean) ** 2 for t in y_test[:, 0])
    return 1 - residual / spread
