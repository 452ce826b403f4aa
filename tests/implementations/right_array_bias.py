"""A right implementation whose bias is a 0-d numpy array, np.array(0.0), not a Python number.

A 0-d array is a single number to numpy: it adds, scales and prints like one. Every function
keeps it that way (the bias gradient is np.mean's 0-d result). Every figure agrees with the
article's; the spec must pass it.
"""

import numpy as np


def initialize_params(dims):
    return np.zeros((dims, 1)), np.array(0.0)


def linear_loss(X, y, w, b):
    y_hat = X @ w + b
    error = y_hat - y
    loss = np.mean(error**2) / 2
    dw = X.T @ error / X.shape[0]
    db = np.mean(error, axis=None, keepdims=False)
    return y_hat, np.asarray(loss), dw, np.asarray(db)


def linear_train(X, y, learning_rate=0.01, epochs=10000):
    loss_his = []
    w, b = initialize_params(X.shape[1])
    for epoch in range(1, epochs + 1):
        _, loss, dw, db = linear_loss(X, y, w, b)
        w = w - learning_rate * dw
        b = np.asarray(b - learning_rate * db)
        loss_his.append(loss)
        if epoch % 10000 == 0:
            print("epoch %d loss %f" % (epoch, loss))
    return np.array(loss_his), {"w": w, "b": b}, {"dw": dw, "db": db}


def predict(X, params):
    return X @ params["w"] + params["b"]


def r2_score(y_test, y_pred):
    residual = np.sum((y_test - y_pred) ** 2)
    spread = np.sum((y_test - np.mean(y_test)) ** 2)
    return 1 - residual / spread
