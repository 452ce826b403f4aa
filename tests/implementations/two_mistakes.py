"""A reader's implementation with two mistakes, as some printed versions of this code have.

The loss drops its 1/2 (claim 1.2; its gradients keep the article's form, so they are half
the derivatives of this loss) and the loop runs one epoch short, ``range(1, epochs)``
(claim 2.5: 9,999 losses recorded for 10,000 epochs). Two independent mistakes: a run
judging it names both as root causes, the loss's first.
"""

import numpy as np


def initialize_params(dims):
    return np.zeros((dims, 1)), 0


def linear_loss(X, y, w, b):
    n = X.shape[0]
    y_hat = X.dot(w) + b
    error = y_hat - y
    loss = (error**2).sum() / n
    dw = X.T.dot(error) / n
    db = error.sum() / n
    return y_hat, loss, dw, db


def linear_train(X, y, learning_rate=0.01, epochs=10000):
    loss_his = []
    w, b = initialize_params(X.shape[1])
    for epoch in range(1, epochs):
        _, loss, dw, db = linear_loss(X, y, w, b)
        w = w - learning_rate * dw
        b = b - learning_rate * db
        loss_his.append(loss)
        if epoch % 10000 == 0:
            print("epoch %d loss %f" % (epoch, loss))
    return loss_his, {"w": w, "b": b}, {"dw": dw, "db": db}


def predict(X, params):
    return X.dot(params["w"]) + params["b"]


def r2_score(y_test, y_pred):
    residual = ((y_test - y_pred) ** 2).sum()
    spread = ((y_test - y_test.mean()) ** 2).sum()
    return 1 - residual / spread
