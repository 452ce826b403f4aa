"""A reader's implementation with one mistake: training refuses a learning rate above the stable bound.

Above 2 / lambda_max it raises FloatingPointError before the first epoch, saying training
would diverge, and records no loss. The article's claims about such rates are about what
training does there (the loss falls at first, then grows without limit, claims 2.4, 3.5, 4.7
and 6.4); a refusal shows none of it, so those claims fail.
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


def linear_train(X, y, learning_rate=0.01, epochs=10000):
    A = np.hstack([X, np.ones((X.shape[0], 1))])
    largest = np.linalg.eigvalsh(A.T.dot(A) / X.shape[0]).max()
    if learning_rate >= 2 / largest:
        raise FloatingPointError(
            "learning rate %g is above the stable bound %g: training would diverge"
            % (learning_rate, 2 / largest)
        )
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
