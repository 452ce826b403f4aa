@section-4
Feature: Evaluating the trained model (article, section 4)
  The article predicts the held-out rows with the trained parameters, scores them
  with R^2 and the mean squared error, reads R^2 as the share of variance
  explained, and reads the loss curve as an exponential decay showing that
  gradient descent converged. We score the 200,000-epoch model the same way and
  look at the curve against the exact least-squares optimum.
  Article's section: "4. Evaluation: Measuring Performance"

  @claim-4.1 @holds
  Rule: A prediction is the row's features weighted by w, plus b, one per row in a column
    Article: "Compute y_hat = Xw + b" (section 4, predict)

    Scenario: Predicting the test rows with the least-squares model's parameters
      Given the article's split of the diabetes data
      When the least-squares model's parameters predict the test rows
      Then the predictions form a column of shape (89, 1)
      And each prediction is its row's features weighted by w, plus b

    Scenario: Predicting thousands of samples of one feature, negative predictions included
      Given 5000 samples of one feature, with targets and predictions of both signs
      When the model's parameters predict them
      Then the predictions form a column of shape (5000, 1)
      And each prediction is its row's features weighted by w, plus b

  @claim-4.2 @holds
  Rule: R^2 is at most 1, exactly 1 for a perfect fit, 0 for predicting the mean, and unbounded below
    The article's "0 to 1" covers only models at least as good as the mean; any
    worse model scores below 0, without limit, as its parenthesis says.
    Article: "ranges from 0 to 1 (or negative for very poor models)" (section 4)

    Scenario: Predicting every test target exactly scores 1
      Given the article's split of the diabetes data
      When the test targets are predicted exactly
      Then R^2 is exactly 1

    Scenario: Predicting the test targets' mean scores 0
      Given the article's split of the diabetes data
      When every test target is predicted by their mean
      Then R^2 is 0 to twelve decimals

    Scenario Outline: Predicting the mean shifted by <k> standard deviations scores minus <k> squared
      Given the article's split of the diabetes data
      When every test target is predicted by their mean plus <k> standard deviations
      Then R^2 is <r2> to nine significant figures

      Examples:
        | k    | r2       |
        | 1    | -1       |
        | 10   | -100     |
        | 1000 | -1000000 |

    Scenario: R^2 agrees with scikit-learn's r2_score
      Given the article's split of the diabetes data
      When the least-squares model's parameters predict the test rows
      Then its R^2 equals scikit-learn's r2_score to twelve decimals

  @claim-4.3 @holds
  Rule: The trained model's test R^2 is 0.4045
    Article: "R^2 Score: 0.4045" (section 4)
    Article's figure: 0.4045
    Builds on: claim-2.1, claim-2.3, claim-2.5, claim-4.1, claim-4.2

    Scenario: The test R^2 of gradient descent
      Given the article's 200,000-epoch run on the diabetes data
      Then gradient descent scores a test R^2 of 0.4045 to four decimals

  @claim-4.4 @holds
  Rule: The trained model's test mean squared error is 3315.50
    Article: "MSE: 3315.50" (section 4)
    Article's figure: 3315.50
    Builds on: claim-2.1, claim-2.3, claim-2.5, claim-4.1

    Scenario: The test mean squared error of gradient descent
      Given the article's 200,000-epoch run on the diabetes data
      Then gradient descent scores a test mean squared error of 3315.50 to two decimals

  @claim-4.5 @holds
  Rule: An R^2 of 0.40 reads as 40 % of the test targets' variance explained, and an independent measure agrees to one figure
    Read as a share, R^2 is one minus the test errors' squares over the targets'
    squares about their mean: a restatement of claim 4.3, not a second measurement.
    An independent one, scikit-learn's explained variance, compares the variances of
    the test errors and of the targets; it gives 0.42, because the model's test errors
    are slightly off-centre. Both are about 40 %.
    Article: "explains approximately 40% of the variance in the data" (section 4)
    Article's figure: ~40 %
    Builds on: claim-2.1, claim-2.3, claim-2.5, claim-4.1

    Scenario: The share of the test targets' variance the model explains, by scikit-learn's explained variance
      Given the article's 200,000-epoch run on the diabetes data
      When the trained model's test predictions are scored by scikit-learn's explained variance
      Then the share explained is 0.4199 to four decimals
      And that is 40 % to one significant figure

  @claim-4.6 @erratum
  Rule: The loss curve is a sum of exponentials, one per curvature direction, not one exponential
    Above the optimum, the loss is a sum of terms decaying as (1 - alpha lambda)^(2k),
    one per eigenvalue lambda of the loss's Hessian. Those eigenvalues span more
    than four orders of magnitude here, so the curve falls fast, then ever slower.
    Article: "shows a characteristic exponential decay" (section 4)
    Builds on: claim-2.1, claim-2.3, claim-2.5

    Scenario: The curvatures of the loss span more than four orders of magnitude
      Given the article's split of the diabetes data
      When we take the eigenvalues of the loss's Hessian, read off the implementation's gradient
      Then the largest is 52,000 times the smallest to two significant figures

    Scenario Outline: The loss above the optimum decays ever more slowly, from epoch <start> on
      Given the article's 200,000-epoch run on the diabetes data
      When we follow the loss above the least-squares optimum from epoch <start> to epoch <end>
      Then it keeps <kept> of itself to two decimals

      Examples:
        | start   | end     | kept |
        | 10,000  | 20,000  | 0.51 |
        | 100,000 | 110,000 | 0.90 |
        | 190,000 | 200,000 | 0.99 |

    Scenario Outline: At epoch <epoch> the loss above the optimum is the sum of one exponential per eigen-direction
      Given the article's 200,000-epoch run on the diabetes data
      When we predict the loss above the optimum at epoch <epoch> from the Hessian's eigen-directions
      Then the prediction matches the measured loss above the optimum to six significant figures

      Examples:
        | epoch   |
        | 10,000  |
        | 100,000 |
        | 200,000 |

  @claim-4.7 @conditional
  Rule: The loss falls at every epoch, without oscillation, when the learning rate is below 2 / lambda_max
    Every eigen-component of the offset from the optimum is scaled by
    |1 - alpha lambda| < 1 each epoch when alpha < 2 / lambda_max, so no term of
    the loss can grow. The article's 0.01 is 200 times below that bound.
    Article: "This smooth, monotonic decrease ... no oscillations or divergence" (section 4)
    Builds on: claim-2.1, claim-2.3, claim-2.4, claim-2.5

    Scenario: No epoch's loss is higher than the one before
      Given the article's 200,000-epoch run on the diabetes data
      Then no epoch's loss is higher than the one before

    Scenario: The article's learning rate is 200 times below the stable bound
      Given the article's split of the diabetes data
      When we take the eigenvalues of the loss's Hessian, read off the implementation's gradient
      Then the stable learning rate 2 / lambda_max is 1.99996 to five decimals
      And it is 200 times the article's 0.01 to the nearest whole number

    Scenario: At twice the stable bound training diverges
      Given the article's split of the diabetes data
      When the model trains for 1,000 epochs at 2 times the stable learning rate
      Then its loss grows until it leaves float64's range

  @claim-4.8 @erratum
  Rule: After 200,000 epochs gradient descent has not converged; coming within one unit of the optimum takes 37.7 million
    The flattest curvature direction shrinks by a factor 1 - 0.01 x 1.9e-5 per
    epoch, so its share of the error needs about 5 million epochs per factor e.
    Runs that long are not looped: the implementation's own update, read off its
    gradient and checked against its own 200,000-epoch run, is applied the stated
    number of times exactly.
    Article: "confirming that gradient descent converged properly" (section 4)
    Builds on: claim-2.1, claim-2.3, claim-2.5

    @reference
    Scenario: The training loss at the least-squares optimum
      Given the article's split of the diabetes data
      When least squares is solved on the training rows
      Then its training loss is 1374.64 to two decimals

    Scenario: The final loss is still above the loss at the least-squares optimum
      Given the article's 200,000-epoch run on the diabetes data
      Then the final loss is 1.3 % above the implementation's own loss at the least-squares optimum, to one decimal

    Scenario: The loss is still falling at the end
      Given the article's 200,000-epoch run on the diabetes data
      Then from epoch 190,000 to epoch 200,000 the loss fell by 0.014 % to two significant figures

    Scenario: The final parameters are still far from the optimum
      Given the article's 200,000-epoch run on the diabetes data
      Then gradient descent's parameters are 1338 from the least-squares optimum's to the nearest whole number

    Scenario: The final gradient has not vanished
      Given the article's 200,000-epoch run on the diabetes data
      Then the length of its final gradient is 0.042 to two significant figures

    Scenario Outline: After <epochs> epochs gradient descent is <distance> from the optimum
      Given the implementation's update on the training rows, checked against its own 200,000-epoch run
      When the update is applied <epochs> times at learning rate 0.01
      Then its parameters are <distance> from the least-squares optimum's to the nearest whole number

      Examples:
        | epochs     | distance |
        | 10,000,000 | 204      |
        | 15,000,000 | 78       |
        | 45,000,000 | 0        |

    Scenario: Coming within one unit of the optimum's parameters takes 37.7 million epochs
      Given the implementation's update on the training rows, checked against its own 200,000-epoch run
      When the update is applied at learning rate 0.01 until the parameters are within one unit of the least-squares optimum's
      Then that takes 37.7 million epochs to three significant figures
