"""Every number right, every shape flat: w of shape (d,), predictions and targets of shape (n,).

A reader who prefers vectors to columns: initialize_params returns np.zeros(dims), and every
function flattens what it is given (np.ravel), so the article's column y and w work too. Every
figure agrees with the article's; the spec must fail it on the shapes the article states, the
weights as a column (claim 2.1), the prediction as a column (claims 1.1 and 4.1) and what one
evaluation returns (claim 2.2), and on nothing else.
"""

import numpy as np


def initialize_params(dims):
    return np.zeros(dims), 0.0


def linear_loss(X, y, w, b):
    y, w = np.ravel(y), np.ravel(w)
    n = len(y)
    y_hat = X @ w + b
    error = y_hat - y
    loss = error @ error / (2 * n)
    dw = X.T @ error / n
    db = error.sum() / n
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
    return X @ np.ravel(params["w"]) + params["b"]


def r2_score(y_test, y_pred):
    y_test, y_pred = np.ravel(y_test), np.ravel(y_pred)
    residual = np.sum((y_test - y_pred) ** 2)
    spread = np.sum((y_test - y_test.mean()) ** 2)
    return 1 - residual / spread
