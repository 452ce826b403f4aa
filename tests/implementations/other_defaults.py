"""A reader's implementation with one mistake: linear_train's defaults are not the article's.

The article defines ``linear_train(X, y, learning_rate=0.01, epochs=10000)``; this one
defaults to a rate of 0.1 and 1,000 epochs, so ``linear_train(X, y)`` trains another run.
Everything called with both arguments is right. Found by ``make mutation`` (docs/mutation.md):
cosmic-ray's mutants of the two defaults survive the spec, which passes the article's
explicit calls only. The check proposed there (claim 2.5: called without a rate or a number
of epochs, training is the article's run at 0.01 for 10,000 epochs) fails it.
"""

import numpy as np


def initialize_params(dims):
    return np.zeros((dims, 1)), 0


def linear_loss(X, y, w, b):
    n = X.shape[0]
    y_hat = X.dot(w) + b
    error = y_hat - y
    loss = (error**2).sum() / (2 * n)
    dw = X.T.dot(error) / n
    db = error.sum() / n
    return y_hat, loss, dw, db


def linear_train(X, y, learning_rate=0.1, epochs=1000):
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
    return X.dot(params["w"]) + params["b"]


def r2_score(y_test, y_pred):
    residual = ((y_test - y_pred) ** 2).sum()
    spread = ((y_test - y_test.mean()) ** 2).sum()
    return 1 - residual / spread
